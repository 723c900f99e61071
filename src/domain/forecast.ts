import { assertInvariant } from './credits.js';

/** The burn rate looks back this many days: long enough to smooth a weekend, short enough to react. */
export const FORECAST_WINDOW_DAYS = 7;

const DAY_MS = 86_400_000;

/** Credits per day at the window's rate, rounded up: a forecast should run out early, not late. */
export function dailyBurnCredits(windowCredits: readonly number[]): number {
  assertInvariant(windowCredits.length === FORECAST_WINDOW_DAYS, `the burn window holds ${FORECAST_WINDOW_DAYS} days, got ${windowCredits.length}`);
  for (const credits of windowCredits) assertInvariant(Number.isSafeInteger(credits) && credits >= 0, `daily credits must be whole and ≥ 0, got ${credits}`);
  const total = windowCredits.reduce((sum, credits) => sum + credits, 0);
  return Math.ceil(total / FORECAST_WINDOW_DAYS);
}

/** When `remainingCredits` are gone at `burnCredits` a day; null when nothing burns. Already empty = now. */
/** A forecast further out than this is reported as null: the credits outlast any plan. */
const FOREVER_MS = 100 * 365 * DAY_MS;

export function lastsUntil(input: { remainingCredits: number; burnCredits: number; now: Date }): Date | null {
  assertInvariant(Number.isSafeInteger(input.remainingCredits), `remaining credits must be whole, got ${input.remainingCredits}`);
  assertInvariant(Number.isSafeInteger(input.burnCredits) && input.burnCredits >= 0, `the burn rate must be whole and ≥ 0, got ${input.burnCredits}`);
  if (input.burnCredits === 0) return null;
  const remaining = Math.max(0, input.remainingCredits);
  const until = input.now.getTime() + Math.floor((remaining * DAY_MS) / input.burnCredits);
  // Beyond a century the date means "practically never" (and past year 9999 it has no ISO form).
  return until > input.now.getTime() + FOREVER_MS ? null : new Date(until);
}

export interface Forecast {
  readonly dailyBurnCredits: number;
  readonly planCreditsLastUntil: Date | null;
  readonly prepaidCreditsLastUntil: Date | null;
  /** True when every prepaid credit (plan, purchased, promotional) is gone before the period renews. */
  readonly runsOutBeforePeriodEnd: boolean;
}

export function forecast(input: {
  remainingPlanCredits: number;
  remainingPrepaidCredits: number;
  windowCredits: readonly number[];
  periodEnd: Date;
  now: Date;
}): Forecast {
  const burn = dailyBurnCredits(input.windowCredits);
  const prepaidLastUntil = lastsUntil({ remainingCredits: input.remainingPrepaidCredits, burnCredits: burn, now: input.now });
  return {
    dailyBurnCredits: burn,
    planCreditsLastUntil: lastsUntil({ remainingCredits: input.remainingPlanCredits, burnCredits: burn, now: input.now }),
    prepaidCreditsLastUntil: prepaidLastUntil,
    runsOutBeforePeriodEnd: prepaidLastUntil !== null && prepaidLastUntil.getTime() < input.periodEnd.getTime(),
  };
}
