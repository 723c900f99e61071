import { describe, expect, it } from 'vitest';
import { addMonthsClamped, periodAt, periodIndexAt } from './periods.js';

const at = (iso: string) => new Date(iso);

describe('monthly periods anchored on the start day', () => {
  it('31 Jan → 28 Feb → 31 Mar in a common year', () => {
    const anchor = at('2025-01-31T10:00:00Z');
    expect(periodAt(anchor, 0)).toEqual({ start: anchor, end: at('2025-02-28T10:00:00Z') });
    expect(periodAt(anchor, 1)).toEqual({ start: at('2025-02-28T10:00:00Z'), end: at('2025-03-31T10:00:00Z') });
    expect(periodAt(anchor, 2).end).toEqual(at('2025-04-30T10:00:00Z'));
  });

  it('31 Jan → 29 Feb in a leap year', () => {
    expect(addMonthsClamped(at('2024-01-31T00:00:00Z'), 1)).toEqual(at('2024-02-29T00:00:00Z'));
  });

  it('crosses the year end', () => {
    expect(addMonthsClamped(at('2025-12-15T00:00:00Z'), 1)).toEqual(at('2026-01-15T00:00:00Z'));
  });

  it('annual periods for contracts', () => {
    expect(periodAt(at('2024-02-29T00:00:00Z'), 1, 'year')).toEqual({
      start: at('2025-02-28T00:00:00Z'),
      end: at('2026-02-28T00:00:00Z'),
    });
  });

  it('finds the period that contains a time, boundaries included', () => {
    const anchor = at('2025-01-31T10:00:00Z');
    expect(periodIndexAt(anchor, anchor)).toBe(0);
    expect(periodIndexAt(anchor, at('2025-02-28T09:59:59Z'))).toBe(0);
    expect(periodIndexAt(anchor, at('2025-02-28T10:00:00Z'))).toBe(1);
    expect(periodIndexAt(anchor, at('2026-01-31T10:00:00Z'))).toBe(12);
  });
});
