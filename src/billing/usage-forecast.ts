import { recentDailyCredits } from '../db/usage-analytics.js';
import { findContractTerms } from '../db/contracts.js';
import { findSubscription } from '../db/subscriptions.js';
import { FORECAST_WINDOW_DAYS, forecast, type ComingPeriod } from '../domain/forecast.js';
import { periodAt } from '../domain/periods.js';
import type { PlanCatalog } from '../domain/plans.js';
import type { ContractTerms, SubscriptionRow } from '../db/schema.js';
import { nextPeriodOf } from '../ledger/rollover.js';
import type { Balance } from './get-balance.js';
import type { BillingDeps } from './deps.js';

export interface UsageForecast {
  readonly daily_burn_credits: number;
  readonly plan_credits_last_until: string | null;
  readonly plan_credits_outlast_period: boolean;
  readonly prepaid_credits_last_until: string | null;
  readonly runs_out_before_period_end: boolean;
}

/** "At the last 7 days' rate, plan credits last until …", as the API answers it. */
export function forecastUsage(input: {
  remainingPlanCredits: number;
  remainingPrepaidCredits: number;
  windowCredits: readonly number[];
  periodEnd: Date;
  comingPeriods: (index: number) => ComingPeriod | null;
  now: Date;
}): UsageForecast {
  const result = forecast(input);
  return {
    daily_burn_credits: result.dailyBurnCredits,
    plan_credits_last_until: result.planCreditsLastUntil?.toISOString() ?? null,
    plan_credits_outlast_period: result.planCreditsOutlastPeriod,
    prepaid_credits_last_until: result.prepaidCreditsLastUntil?.toISOString() ?? null,
    runs_out_before_period_end: result.runsOutBeforePeriodEnd,
  };
}

/**
 * The org's forecast from its balance and the whole org's last 7 days of usage (credits are shared,
 * so the burn is too). Held credits are promised to requests in flight, so they do not count as left.
 */
export async function forecastForOrg(deps: BillingDeps, orgId: string, balance: Balance): Promise<UsageForecast> {
  const now = deps.clock.now();
  const [windowCredits, subscription, contract] = await Promise.all([
    recentDailyCredits(deps.db, orgId, now, FORECAST_WINDOW_DAYS),
    findSubscription(deps.db, orgId),
    findContractTerms(deps.db, orgId),
  ]);
  return forecastUsage({
    remainingPlanCredits: balance.plan.remaining,
    remainingPrepaidCredits: balance.plan.remaining + balance.purchased.remaining + balance.promotional.remaining - balance.held,
    windowCredits,
    periodEnd: new Date(balance.period.end),
    comingPeriods: comingPeriodsOf(subscription, deps.catalog, contract),
    now,
  });
}

/** The periods after the current one, under the plan they will have; none once the subscription ends. */
export function comingPeriodsOf(subscription: SubscriptionRow, catalog: PlanCatalog, contract: ContractTerms | null): (index: number) => ComingPeriod | null {
  if (subscription.status === 'canceled' || subscription.cancel_at_period_end) return () => null;
  const next = nextPeriodOf(subscription, catalog, contract);
  return (index) => ({ end: periodAt(next.anchor, next.index + index, next.terms.periodUnit).end, includedCredits: next.terms.includedCredits });
}
