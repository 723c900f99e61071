import { prepaidCredits, type LedgerBook } from './ledger.js';
import { defaultLowBalanceThreshold } from './plans.js';

/**
 * Threshold crossings between two states of one org's book (before and after a transaction under
 * the org's lock). A crossing fires once; it fires again only after the balance went back above the
 * line (a purchase, a grant, a new period), which is what re-arms it. Comparing the two sides of
 * one locked transaction makes this exact under any concurrency.
 *
 * The balance watched is the org's remaining credits (plan + purchased + promotional), without
 * holds: holds come and go within seconds and would make the alerts flicker.
 */
export const CROSSING_EVENTS = ['balance.low', 'credits.exhausted', 'overage.limit_warning', 'overage.limit_reached'] as const;
export type CrossingEvent = (typeof CROSSING_EVENTS)[number];

/** The share of the monthly overage limit at which the warning goes out. */
export const OVERAGE_WARNING_PERCENT = 80;

export interface Crossing {
  readonly type: CrossingEvent;
  readonly data: Record<string, number | boolean>;
}

/**
 * The low-balance line (SPEC §6): the org's own setting, else 10% of the included credits of the
 * terms it is billed on (its plan, or its enterprise contract's credits).
 */
export function lowBalanceThreshold(input: { setting: number | null; includedCredits: number }): number {
  return input.setting ?? defaultLowBalanceThreshold(input.includedCredits);
}

/** What the low-balance line watches: the remaining credits, holds aside (see above). */
export function watchedBalance(book: LedgerBook): number {
  return prepaidCredits(book);
}

/** The org is low while its remaining credits are below the line; the balance answer says so. */
export function isLowBalance(book: LedgerBook, threshold: number): boolean {
  return isBelowLowBalanceLine(watchedBalance(book), threshold);
}

/** The same from the remaining credits alone (the balance read's cached totals). */
export function isBelowLowBalanceLine(remainingCredits: number, threshold: number): boolean {
  return remainingCredits < threshold;
}

export function crossedBelow(before: number, after: number, line: number): boolean {
  return line > 0 && before >= line && after < line;
}

function crossedUpTo(before: number, after: number, line: number): boolean {
  return line > 0 && before < line && after >= line;
}

export function detectCrossings(before: LedgerBook, after: LedgerBook, threshold: number): Crossing[] {
  const crossings: Crossing[] = [];
  const was = watchedBalance(before);
  const is = watchedBalance(after);
  if (crossedBelow(was, is, threshold)) crossings.push({ type: 'balance.low', data: { remaining_credits: is, threshold } });
  if (!after.overage.enabled && was > 0 && is === 0) crossings.push({ type: 'credits.exhausted', data: { remaining_credits: 0, on_demand_enabled: false } });
  const limit = after.overage.enabled ? after.overage.limitCredits : 0;
  // A new period resets the counter: compare within the same period only.
  const usedBefore = before.overage.periodStart.getTime() === after.overage.periodStart.getTime() ? before.overage.usedCredits : 0;
  const usedAfter = after.overage.usedCredits;
  const warningAt = Math.ceil((limit * OVERAGE_WARNING_PERCENT) / 100);
  if (crossedUpTo(usedBefore, usedAfter, warningAt) && usedAfter < limit) {
    crossings.push({ type: 'overage.limit_warning', data: { used_credits: usedAfter, limit_credits: limit, percent: OVERAGE_WARNING_PERCENT } });
  }
  if (crossedUpTo(usedBefore, usedAfter, limit)) crossings.push({ type: 'overage.limit_reached', data: { used_credits: usedAfter, limit_credits: limit } });
  return crossings;
}
