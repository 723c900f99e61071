import { assertInvariant } from './assert.js';

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

/** A forecast further out than this is reported as null: the credits outlast any plan. */
const FOREVER_MS = 100 * 365 * DAY_MS;

/** When `remainingCredits` are gone at `burnCredits` a day; null when nothing burns. Already empty = now. */
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
  /** When this period's plan credits are gone: never after the period end, when they expire. */
  readonly planCreditsLastUntil: Date | null;
  /** True when plan credits would last past the period end at this rate: they expire (and renew) first. */
  readonly planCreditsOutlastPeriod: boolean;
  /** When every prepaid credit is gone, counting each coming period's included credits; null = never at this rate. */
  readonly prepaidCreditsLastUntil: Date | null;
  /** True when every prepaid credit (plan, purchased, promotional) is gone before the period renews. */
  readonly runsOutBeforePeriodEnd: boolean;
}

/** A period after the current one: when it ends and the plan credits it brings. */
export interface ComingPeriod {
  readonly end: Date;
  readonly includedCredits: number;
}

/** How many coming periods the forecast walks through (a century of months) before it calls the credits lasting. */
const MAX_PERIODS = 1_200;

/**
 * The burn forecast (help page: "at your current rate, your credits last until …"). Usage spends
 * plan credits first; plan credits expire at each period end and the next period brings its own, so
 * purchased and promotional credits only go when a period's usage is more than its plan credits.
 * `comingPeriods(i)` is the i-th period after the current one, null once the subscription ends.
 * Exact on integers: amounts are counted in credit-milliseconds.
 */
export function forecast(input: {
  remainingPlanCredits: number;
  remainingPrepaidCredits: number;
  windowCredits: readonly number[];
  periodEnd: Date;
  comingPeriods: (index: number) => ComingPeriod | null;
  now: Date;
}): Forecast {
  const burn = dailyBurnCredits(input.windowCredits);
  const plan = Math.max(0, input.remainingPlanCredits);
  const other = Math.max(0, input.remainingPrepaidCredits - input.remainingPlanCredits);
  if (burn === 0) return { dailyBurnCredits: 0, planCreditsLastUntil: null, planCreditsOutlastPeriod: true, prepaidCreditsLastUntil: null, runsOutBeforePeriodEnd: false };
  const planGone = lastsUntil({ remainingCredits: plan, burnCredits: burn, now: input.now });
  const planOutlasts = planGone === null || planGone.getTime() > input.periodEnd.getTime();
  const prepaidGone = prepaidRunsOut({ plan, other, burn, periodEnd: input.periodEnd, comingPeriods: input.comingPeriods, now: input.now });
  return {
    dailyBurnCredits: burn,
    planCreditsLastUntil: planOutlasts ? input.periodEnd : planGone,
    planCreditsOutlastPeriod: planOutlasts,
    prepaidCreditsLastUntil: prepaidGone,
    runsOutBeforePeriodEnd: prepaidGone !== null && prepaidGone.getTime() < input.periodEnd.getTime(),
  };
}

function prepaidRunsOut(input: { plan: number; other: number; burn: number; periodEnd: Date; comingPeriods: (index: number) => ComingPeriod | null; now: Date }): Date | null {
  const day = BigInt(DAY_MS);
  const burn = BigInt(input.burn);
  let at = input.now.getTime();
  let end: number | null = input.periodEnd.getTime();
  let plan = BigInt(input.plan) * day;
  let other = BigInt(input.other) * day;
  const goneAt = (left: bigint) => {
    const until = at + Number(left / burn);
    return until > input.now.getTime() + FOREVER_MS ? null : new Date(until);
  };
  for (let index = 0; index <= MAX_PERIODS; index += 1) {
    // The subscription ended: what is left burns without new plan credits.
    if (end === null) return goneAt(plan + other);
    const need = burn * BigInt(end - at);
    if (need >= plan + other) return goneAt(plan + other);
    other -= need > plan ? need - plan : 0n;
    const next = input.comingPeriods(index);
    at = end;
    end = next?.end.getTime() ?? null;
    plan = next === null ? 0n : BigInt(next.includedCredits) * day;
    if (at > input.now.getTime() + FOREVER_MS) return null;
  }
  return null;
}
