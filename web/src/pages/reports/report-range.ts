import { addMonthsClamped } from '../../../../src/domain/periods.js';

/**
 * The range the trends chart shows. Its buckets are UTC days (or weeks starting Monday 00:00 UTC), so
 * the range is chosen in UTC days too: a day typed is midnight to midnight UTC.
 */
export interface ReportRange {
  /** Inclusive. */
  readonly from: string;
  /** Exclusive. */
  readonly to: string;
}

export const RANGE_CHOICES = ['this-period', 'last-period', 'custom'] as const;
export type RangeChoice = (typeof RANGE_CHOICES)[number];

/** The widest range the API charts in one request (db/usage-analytics.ts MAX_BUCKETS): 366 days, 105 weeks (104 whole ones). */
const MAX_DAYS = { day: 366, week: 104 * 7 } as const;
const DAY_MS = 86_400_000;

const utcDay = new Intl.DateTimeFormat('en-US', { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' });

/** "Feb 28, 2026": the UTC day of an instant (the chart's days are UTC days). */
export function formatUtcDay(iso: string): string {
  return utcDay.format(new Date(iso));
}

/** "Jan 31, 2026 – Feb 28, 2026": the UTC days a range touches (its end is exclusive). */
export function formatRange(range: ReportRange): string {
  return `${formatUtcDay(range.from)} – ${formatUtcDay(lastInstant(range.to))}`;
}

/** "2026-02-28", the value of a date input, for the UTC day of an instant. */
export function dayInput(iso: string): string {
  return iso.slice(0, 10);
}

/** The last instant of a range that ends (exclusively) at `to`, as ISO. */
export function lastInstant(to: string): string {
  return new Date(Date.parse(to) - 1).toISOString();
}

/**
 * The billing period before `period`. Periods are whole months (or years) from the subscription's
 * start, with the day clamped to short months (domain/periods.ts); the start's day is the larger of
 * the current period's two days, since two months in a row are never both short. (One case cannot be
 * told from the current period alone: a yearly plan started on Feb 29 is shown starting Feb 28 in the
 * leap year before.)
 */
export function previousPeriod(period: { start: string; end: string }): ReportRange {
  const start = new Date(period.start);
  const end = new Date(period.end);
  const months = end.getTime() - start.getTime() > 200 * DAY_MS ? 12 : 1;
  const anchorDay = Math.max(start.getUTCDate(), end.getUTCDate());
  // January has 31 days: an anchor there keeps its day, and addMonthsClamped clamps it where needed.
  const anchor = new Date(Date.UTC(start.getUTCFullYear(), 0, anchorDay, start.getUTCHours(), start.getUTCMinutes(), start.getUTCSeconds(), start.getUTCMilliseconds()));
  const previousStart = addMonthsClamped(anchor, start.getUTCMonth() - months);
  return { from: previousStart.toISOString(), to: start.toISOString() };
}

/** Two typed days (inclusive) as a range, or the sentence that says what to change. */
export function rangeFromDays(fromDay: string, toDay: string, interval: 'day' | 'week'): { range: ReportRange } | { problem: string } {
  const from = Date.parse(`${fromDay}T00:00:00.000Z`);
  const lastDay = Date.parse(`${toDay}T00:00:00.000Z`);
  // A day that does not exist (Feb 30) is read by Date.parse as a later one: it must come back the same.
  const isDay = (day: string, time: number) => /^\d{4}-\d{2}-\d{2}$/.test(day) && !Number.isNaN(time) && new Date(time).toISOString().slice(0, 10) === day;
  if (!isDay(fromDay, from) || !isDay(toDay, lastDay)) {
    return { problem: 'Enter both dates of the range.' };
  }
  if (from > lastDay) return { problem: '“From” must be on or before “To”.' };
  const days = (lastDay - from) / DAY_MS + 1;
  if (days > MAX_DAYS[interval]) {
    return { problem: interval === 'day' ? 'Choose at most 366 days, or show weekly totals.' : 'Choose at most 104 weeks.' };
  }
  return { range: { from: new Date(from).toISOString(), to: new Date(lastDay + DAY_MS).toISOString() } };
}
