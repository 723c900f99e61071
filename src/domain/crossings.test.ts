import { describe, expect, it } from 'vitest';
import { addGrant, openBook, type LedgerBook } from './ledger.js';
import { detectCrossings } from './crossings.js';

/**
 * detectCrossings at its boundaries, with books built by hand: the line is crossed only by going
 * from at-or-above to below it, and the overage warning fires at 80% of the limit (rounded up).
 */
const START = new Date('2026-03-01T00:00:00Z');

function book(input: { remaining: number; onDemand?: boolean; limit?: number; used?: number; periodStart?: Date }): LedgerBook {
  const empty = openBook({
    now: START,
    grants: [],
    holds: [],
    overage: { enabled: input.onDemand ?? false, limitCredits: input.limit ?? 0, usedCredits: input.used ?? 0, periodStart: input.periodStart ?? START },
  });
  if (input.remaining === 0) return empty;
  return addGrant(empty, { id: 'g', bucket: 'purchased', credits: input.remaining, expiresAt: null, reason: 'purchase' });
}

const types = (before: LedgerBook, after: LedgerBook, threshold: number) => detectCrossings(before, after, threshold).map((crossing) => crossing.type);

describe('the low-balance line (threshold 100)', () => {
  it('fires going from exactly the line to one below it, with the remaining credits and the line', () => {
    expect(detectCrossings(book({ remaining: 100 }), book({ remaining: 99 }), 100)).toEqual([
      { type: 'balance.low', data: { remaining_credits: 99, threshold: 100 } },
    ]);
  });

  it('does not fire landing exactly on the line, nor when it was already below, nor going up', () => {
    expect(types(book({ remaining: 101 }), book({ remaining: 100 }), 100)).toEqual([]);
    expect(types(book({ remaining: 99 }), book({ remaining: 10 }), 100)).toEqual([]);
    expect(types(book({ remaining: 10 }), book({ remaining: 500 }), 100)).toEqual([]);
  });

  it('a line of 0 never fires (an org that turned the alert off)', () => {
    expect(types(book({ remaining: 5 }), book({ remaining: 1 }), 0)).toEqual([]);
  });
});

describe('credits exhausted', () => {
  it('fires when the last credit goes and on-demand is off', () => {
    expect(types(book({ remaining: 1 }), book({ remaining: 0 }), 0)).toEqual(['credits.exhausted']);
    expect(types(book({ remaining: 150 }), book({ remaining: 0 }), 100)).toEqual(['balance.low', 'credits.exhausted']);
  });

  it('not with on-demand on (usage goes on), nor when the org had nothing before', () => {
    expect(types(book({ remaining: 1, onDemand: true, limit: 100 }), book({ remaining: 0, onDemand: true, limit: 100 }), 0)).toEqual([]);
    expect(types(book({ remaining: 0 }), book({ remaining: 0 }), 0)).toEqual([]);
  });
});

describe('the on-demand limit (1,000 credits: warning at 800)', () => {
  const onDemand = (used: number, periodStart?: Date) => book({ remaining: 0, onDemand: true, limit: 1_000, used, ...(periodStart ? { periodStart } : {}) });

  it('warns going from 799 to 800, not from 800 to 801', () => {
    expect(detectCrossings(onDemand(799), onDemand(800), 0)).toEqual([
      { type: 'overage.limit_warning', data: { used_credits: 800, limit_credits: 1_000, percent: 80 } },
    ]);
    expect(types(onDemand(800), onDemand(801), 0)).toEqual([]);
  });

  it('reaching the limit in one step says only that it was reached', () => {
    expect(detectCrossings(onDemand(0), onDemand(1_000), 0)).toEqual([
      { type: 'overage.limit_reached', data: { used_credits: 1_000, limit_credits: 1_000 } },
    ]);
    expect(types(onDemand(999), onDemand(1_000), 0)).toEqual(['overage.limit_reached']);
    expect(types(onDemand(1_000), onDemand(1_000), 0)).toEqual([]);
  });

  it('a small limit rounds the warning up: 80% of 7 is 5.6, so it warns at 6, not at 5', () => {
    const small = (used: number) => book({ remaining: 0, onDemand: true, limit: 7, used });
    expect(types(small(4), small(5), 0)).toEqual([]);
    expect(types(small(5), small(6), 0)).toEqual(['overage.limit_warning']);
  });

  it('a new period starts the counter again: 900 used in the old period does not hide the new warning', () => {
    const next = new Date('2026-04-01T00:00:00Z');
    expect(types(onDemand(900), onDemand(850, next), 0)).toEqual(['overage.limit_warning']);
  });

  it('with on-demand off there is no limit to warn about', () => {
    expect(types(book({ remaining: 0, limit: 1_000, used: 0 }), book({ remaining: 0, limit: 1_000, used: 900 }), 0)).toEqual([]);
  });
});
