import type { Period } from './periods.js';

const DAY_MS = 86_400_000;

export interface Proration {
  /** What the upgrade adds to the next invoice, in cents (0 when the new plan costs no more). */
  readonly amountCents: number;
  readonly daysLeft: number;
  readonly daysInPeriod: number;
}

/**
 * An upgrade's price difference, prorated by the time left in the period (SPEC §9): half-up on exact
 * integers, difference × left / total. The server bills it; the Change Plan dialog shows it first.
 */
export function upgradeProration(input: { fromPriceCents: number; toPriceCents: number; period: Period; at: Date }): Proration {
  const total = input.period.end.getTime() - input.period.start.getTime();
  const left = Math.min(total, Math.max(0, input.period.end.getTime() - input.at.getTime()));
  const difference = input.toPriceCents - input.fromPriceCents;
  const amountCents = difference > 0 && total > 0 ? Math.floor((difference * left * 2 + total) / (2 * total)) : 0;
  return { amountCents, daysLeft: Math.round(left / DAY_MS), daysInPeriod: Math.round(total / DAY_MS) };
}

export function prorationDescription(fromPlan: string, toPlan: string, proration: Proration): string {
  return `Upgrade from ${fromPlan} to ${toPlan}, prorated for ${proration.daysLeft} of ${proration.daysInPeriod} days`;
}
