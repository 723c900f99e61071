import { formatDate } from '../../format.js';
import type { Org, Plan } from '../../types.js';

/** How long an ended subscription's data stays readable (the server's RETENTION_DAYS_AFTER_CANCEL, SPEC §9). */
const DATA_RETENTION_DAYS = 30;
const DAY_MS = 86_400_000;

/** What is about to happen to the subscription, or went wrong with it, in a sentence each. */
export function SubscriptionNotices({ org, catalog, endDate, isAdmin }: { org: Org; catalog: readonly Plan[]; endDate: string; isAdmin: boolean }) {
  const { subscription } = org;
  const canceled = subscription.status === 'canceled';
  const scheduled = subscription.scheduled_plan ? catalog.find((plan) => plan.id === subscription.scheduled_plan) : undefined;
  return (
    <>
      {subscription.scheduled_plan && !subscription.cancel_at_period_end && (
        <p className="notice">
          Your plan changes to {scheduled?.name ?? 'the plan you chose'} on {endDate}.
        </p>
      )}
      {subscription.cancel_at_period_end && !canceled && (
        <p className="notice">
          Your subscription ends on {endDate}. AI access and plan-based billing continue until then; your data remains accessible for 30 days
          after cancellation so you can export it.
        </p>
      )}
      {canceled && <EndedNotice org={org} isAdmin={isAdmin} />}
      {subscription.status === 'past_due' && (
        <p className="notice">
          A payment failed. AI access continues;{' '}
          {isAdmin
            ? 'pay the open invoice with Pay now above, or add a card or make another card the default and it is charged again.'
            : 'an admin can pay the open invoice or update the payment method here in Billing.'}
        </p>
      )}
    </>
  );
}

/** An ended subscription: until when its data can be read, and the export that takes it away. */
function EndedNotice({ org, isAdmin }: { org: Org; isAdmin: boolean }) {
  const ended = formatDate(org.subscription.current_period_end);
  const readableUntil = formatDate(new Date(Date.parse(org.subscription.current_period_end) + DATA_RETENTION_DAYS * DAY_MS).toISOString());
  return (
    <div className="notice ended-notice">
      <p>
        Your subscription ended on {ended}. Your data stays readable until {readableUntil} ({DATA_RETENTION_DAYS} days after the subscription
        ended); {isAdmin ? 'export it before then.' : 'an admin can export all of it before then.'}
      </p>
      {isAdmin && (
        <p>
          <a className="button" href={`/v1/orgs/${encodeURIComponent(org.id)}/export?format=zip`} download>
            Export all data
          </a>{' '}
          <span>A zip file with your usage, ledger and invoices.</span>
        </p>
      )}
      <p>{isAdmin ? 'Choosing a plan starts a new term and keeps your purchased credits.' : 'An admin can start a new term by choosing a plan.'}</p>
    </div>
  );
}
