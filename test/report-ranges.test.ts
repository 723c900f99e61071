import { describe, expect, it } from 'vitest';
import { periodAt } from '../src/domain/periods.js';
import { previousPeriod, rangeFromDays } from '../web/src/pages/reports/report-range.js';

/** The ranges of Reports' chart (web/src/pages/reports/report-range.ts), against the server's own period maths. */
describe('"Last period" in Reports', () => {
  // Month ends, the last instant of a day, a leap day (monthly: a yearly plan started on Feb 29 is the one case it cannot tell).
  const anchors = ['2026-01-31T10:00:00.000Z', '2026-01-30T00:00:00.000Z', '2024-01-29T23:59:59.999Z', '2026-03-15T05:00:00.000Z'];
  const cases = [...anchors.flatMap((anchor) => (['month', 'year'] as const).map((unit) => [anchor, unit] as const)), ['2024-02-29T08:00:00.000Z', 'month'] as const];
  it.each(cases)(
    'is the period before the current one for a subscription started %s, billed by the %s',
    (anchorIso, unit) => {
      const anchor = new Date(anchorIso);
      for (let index = 1; index <= 30; index += 1) {
        const current = periodAt(anchor, index, unit);
        const previous = periodAt(anchor, index - 1, unit);
        expect(previousPeriod({ start: current.start.toISOString(), end: current.end.toISOString() }), `period ${index}`).toEqual({
          from: previous.start.toISOString(),
          to: previous.end.toISOString(),
        });
      }
    },
  );
});

describe('a range of days typed in Reports', () => {
  it('runs from midnight UTC of the first day to midnight UTC after the last', () => {
    expect(rangeFromDays('2026-02-01', '2026-02-01', 'day')).toEqual({ range: { from: '2026-02-01T00:00:00.000Z', to: '2026-02-02T00:00:00.000Z' } });
  });
  it.each([
    ['366 days of daily totals are allowed', '2024-01-01', '2024-12-31', 'day', null],
    ['367 are not', '2024-01-01', '2025-01-01', 'day', 'Choose at most 366 days, or show weekly totals.'],
    ['104 weeks of weekly totals are allowed', '2024-01-01', '2025-12-28', 'week', null],
    ['a day more is not', '2024-01-01', '2025-12-29', 'week', 'Choose at most 104 weeks.'],
    ['the first day after the last', '2026-02-02', '2026-02-01', 'day', '“From” must be on or before “To”.'],
    ['a missing day', '', '2026-02-01', 'day', 'Enter both dates of the range.'],
    ['a day that does not exist', '2026-02-30', '2026-03-01', 'day', 'Enter both dates of the range.'],
  ] as const)('%s', (_name, from, to, interval, problem) => {
    const result = rangeFromDays(from, to, interval);
    if (problem === null) expect(result).toHaveProperty('range');
    else expect(result).toEqual({ problem });
  });
});
