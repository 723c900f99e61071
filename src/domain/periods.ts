/**
 * Billing periods are monthly, anchored on the subscription's start: period n runs from the anchor
 * plus n months to the anchor plus n + 1 months, with the day clamped to the month's end
 * (31 Jan → 28/29 Feb → 31 Mar: the anchor day comes back once the month is long enough).
 */
export interface Period {
  readonly start: Date;
  readonly end: Date;
}

export const PERIOD_UNITS = ['month', 'year'] as const;
export type PeriodUnit = (typeof PERIOD_UNITS)[number];

export function addMonthsClamped(anchor: Date, months: number): Date {
  const year = anchor.getUTCFullYear();
  const month = anchor.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const day = Math.min(anchor.getUTCDate(), lastDay);
  return new Date(
    Date.UTC(year, month, day, anchor.getUTCHours(), anchor.getUTCMinutes(), anchor.getUTCSeconds(), anchor.getUTCMilliseconds()),
  );
}

function monthsPerPeriod(unit: PeriodUnit): number {
  return unit === 'year' ? 12 : 1;
}

/** The period with the given index (0 = the first) of a subscription anchored at `anchor`. */
export function periodAt(anchor: Date, index: number, unit: PeriodUnit = 'month'): Period {
  const step = monthsPerPeriod(unit);
  return { start: addMonthsClamped(anchor, index * step), end: addMonthsClamped(anchor, (index + 1) * step) };
}

/** The index of the period that contains `at` (at ≥ anchor). */
export function periodIndexAt(anchor: Date, at: Date, unit: PeriodUnit = 'month'): number {
  if (at.getTime() < anchor.getTime()) throw new RangeError('a time before the subscription started has no period');
  const step = monthsPerPeriod(unit);
  const roughMonths = (at.getUTCFullYear() - anchor.getUTCFullYear()) * 12 + (at.getUTCMonth() - anchor.getUTCMonth());
  let index = Math.max(0, Math.floor(roughMonths / step) - 1);
  while (periodAt(anchor, index + 1, unit).start.getTime() <= at.getTime()) index += 1;
  return index;
}
