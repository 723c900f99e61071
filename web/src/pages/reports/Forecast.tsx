import { Link } from 'react-router';
import { useSession } from '../../auth.js';
import { formatCredits, formatDate } from '../../format.js';
import { useBalance } from '../../queries.js';
import type { UsageSummary } from '../../types.js';
import { FIELD_IDS, fieldLink } from '../ai-credits/focus-field.js';

type ForecastData = UsageSummary['forecast'];

/**
 * The burn-rate forecast in words. Plan credits expire at the period end, so their date is never a
 * later one: when they would outlast the period, they renew first. The date for all credits counts
 * purchased credits and the plan credits each coming period brings; none means they never run out.
 */
export function Forecast({ forecast, periodEnd }: { forecast: ForecastData; periodEnd: string }) {
  const burn = forecast.daily_burn_credits;
  if (burn === 0 || forecast.plan_credits_last_until === null) {
    return (
      <p className="reports-forecast" data-testid="forecast">
        No AI credits were used in the last 7 days, so your credits are not running down.
      </p>
    );
  }
  const planGone = forecast.plan_credits_last_until;
  const allGone = forecast.prepaid_credits_last_until;
  return (
    <div className="reports-forecast" data-testid="forecast">
      <p>
        At the last 7 days' rate, your organization uses {formatCredits(burn)} {burn === 1 ? 'credit' : 'credits'} a day.
      </p>
      {forecast.plan_credits_outlast_period ? (
        <p>Your plan credits renew on {formatDate(periodEnd)} before they run out.</p>
      ) : (
        allGone !== planGone && (
          <p>
            Your plan credits run out on {formatDate(planGone)}, before they renew on {formatDate(periodEnd)}.
          </p>
        )
      )}
      {allGone === null ? (
        <p>At this rate your credits will not run out.</p>
      ) : forecast.runs_out_before_period_end ? (
        <RunsOutWarning until={allGone} periodEnd={periodEnd} />
      ) : (
        <p>Counting purchased credits and the plan credits each new period brings, your credits last until {formatDate(allGone)}.</p>
      )}
    </div>
  );
}

/** Credits run out before the period renews: what happens then, and what the reader can do about it. */
function RunsOutWarning({ until, periodEnd }: { until: string; periodEnd: string }) {
  const { orgId, isAdmin } = useSession();
  const balance = useBalance(orgId);
  const onDemand = balance.data?.overage;
  return (
    <p className="reports-warning">
      At this rate your credits run out on {formatDate(until)}, before the period renews on {formatDate(periodEnd)}.{' '}
      {onDemand?.enabled ? (
        `On-demand usage then keeps AI working${onDemand.limit === 0 ? '' : `, up to ${formatCredits(onDemand.limit)} credits this month`}, and the extra usage is billed on your next invoice.`
      ) : isAdmin ? (
        <>
          <Link to={fieldLink(FIELD_IDS.purchaseAmount)}>Buy credits</Link> or <Link to={fieldLink(FIELD_IDS.onDemandEnabled)}>turn on on-demand usage</Link>{' '}
          to avoid interruptions.
        </>
      ) : (
        'Ask an admin to buy credits to avoid interruptions.'
      )}
    </p>
  );
}
