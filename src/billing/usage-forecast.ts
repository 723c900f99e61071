import { recentDailyCredits } from '../db/usage-analytics.js';
import { FORECAST_WINDOW_DAYS, forecast } from '../domain/forecast.js';
import type { Balance } from './get-balance.js';
import type { BillingDeps } from './deps.js';

export interface UsageForecast {
  readonly daily_burn_credits: number;
  readonly plan_credits_last_until: string | null;
  readonly prepaid_credits_last_until: string | null;
  readonly runs_out_before_period_end: boolean;
}

/** "At the last 7 days' rate, plan credits last until …", as the API answers it. */
export function forecastUsage(input: {
  remainingPlanCredits: number;
  remainingPrepaidCredits: number;
  windowCredits: readonly number[];
  periodEnd: Date;
  now: Date;
}): UsageForecast {
  const result = forecast(input);
  return {
    daily_burn_credits: result.dailyBurnCredits,
    plan_credits_last_until: result.planCreditsLastUntil?.toISOString() ?? null,
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
  const windowCredits = await recentDailyCredits(deps.db, orgId, now, FORECAST_WINDOW_DAYS);
  return forecastUsage({
    remainingPlanCredits: balance.plan.remaining,
    remainingPrepaidCredits: balance.plan.remaining + balance.purchased.remaining + balance.promotional.remaining - balance.held,
    windowCredits,
    periodEnd: new Date(balance.period.end),
    now,
  });
}
