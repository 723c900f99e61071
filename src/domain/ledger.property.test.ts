import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addGrant,
  assertBookInvariants,
  availableCredits,
  chargeUsage,
  closeHold,
  expireDue,
  heldCredits,
  openBook,
  placeHold,
  prepaidCredits,
  reservationDenial,
  rollOver,
  type LedgerBook,
} from './ledger.js';

/**
 * Random sequences of grants, holds, settlements, releases, usage, setting changes, time and period
 * rollovers, applied to the pure ledger engine: after every step the books must balance.
 */
const HOUR = 3_600_000;
const START = new Date('2026-01-01T00:00:00Z');

type Operation =
  | { kind: 'grant'; bucket: 'plan' | 'purchased' | 'promotional'; credits: number; expiresInHours: number | null }
  | { kind: 'hold'; credits: number }
  | { kind: 'settle'; pick: number; credits: number }
  | { kind: 'release'; pick: number }
  | { kind: 'record'; credits: number }
  | { kind: 'settings'; enabled: boolean; limitCredits: number }
  | { kind: 'advance'; hours: number }
  | { kind: 'rollover'; includedCredits: number };

const operation: fc.Arbitrary<Operation> = fc.oneof(
  fc.record({
    kind: fc.constant('grant' as const),
    bucket: fc.constantFrom('plan' as const, 'purchased' as const, 'promotional' as const),
    credits: fc.integer({ min: 1, max: 500 }),
    // Often no expiry, often the same expiry as another grant: ties are where the draw-down order is subtle.
    expiresInHours: fc.option(fc.oneof(fc.constantFrom(24, 48), fc.integer({ min: 1, max: 2_000 })), { nil: null, freq: 3 }),
  }),
  fc.record({ kind: fc.constant('hold' as const), credits: fc.integer({ min: 1, max: 200 }) }),
  fc.record({ kind: fc.constant('settle' as const), pick: fc.nat(), credits: fc.integer({ min: 1, max: 300 }) }),
  fc.record({ kind: fc.constant('release' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('record' as const), credits: fc.integer({ min: 1, max: 300 }) }),
  fc.record({ kind: fc.constant('settings' as const), enabled: fc.boolean(), limitCredits: fc.integer({ min: 0, max: 400 }) }),
  fc.record({ kind: fc.constant('advance' as const), hours: fc.integer({ min: 1, max: 400 }) }),
  fc.record({ kind: fc.constant('rollover' as const), includedCredits: fc.integer({ min: 0, max: 1_000 }) }),
);

interface Tally {
  charged: number;
  uncollected: number;
  recorded: number;
  ids: number;
}

function sumEntries(book: LedgerBook, accounts: readonly string[], periodStart?: Date): number {
  return book.entries
    .filter((entry) => accounts.includes(entry.account))
    .filter((entry) => periodStart === undefined || entry.periodStart?.getTime() === periodStart.getTime())
    .reduce((sum, entry) => sum + entry.credits, 0);
}

/**
 * SPEC §4 stated on its own, not through the engine's sort: grant `a` must be drawn before grant `b`
 * when it expires sooner, when only it expires, or when both expire alike (or never) and it is older.
 */
function drawnBefore(a: LedgerBook['grants'][number], b: LedgerBook['grants'][number]): boolean {
  const aExpiry = a.expiresAt?.getTime();
  const bExpiry = b.expiresAt?.getTime();
  if (aExpiry !== bExpiry) return aExpiry !== undefined && (bExpiry === undefined || aExpiry < bExpiry);
  return a.creationOrder < b.creationOrder;
}

function charge(book: LedgerBook, credits: number, tally: Tally): LedgerBook {
  const before = availableCredits(book);
  tally.ids += 1;
  const result = chargeUsage(book, { usageId: `u${tally.ids}`, credits });
  expect(result.charged + result.uncollected).toBe(credits);
  if (before !== null) expect(result.charged).toBeLessThanOrEqual(Math.max(0, before));
  else expect(result.uncollected).toBe(0);
  // Draw-down order: a grant is touched only when every grant SPEC §4 draws before it is empty.
  const touchedIds = new Set(result.book.entries.slice(book.entries.length).filter((entry) => entry.kind === 'usage').map((entry) => entry.grantId));
  for (const touched of result.book.grants.filter((grant) => touchedIds.has(grant.id))) {
    const skipped = result.book.grants.filter((grant) => grant.remainingCredits > 0 && !touchedIds.has(grant.id) && drawnBefore(grant, touched));
    expect(skipped.map((grant) => grant.id), `drew from ${touched.id} before emptying`).toEqual([]);
  }
  tally.charged += result.charged;
  tally.uncollected += result.uncollected;
  tally.recorded += credits;
  return result.book;
}

function apply(book: LedgerBook, op: Operation, tally: Tally): LedgerBook {
  switch (op.kind) {
    case 'grant':
      tally.ids += 1;
      return addGrant(book, {
        id: `g${tally.ids}`,
        bucket: op.bucket,
        credits: op.credits,
        expiresAt: op.expiresInHours === null ? null : new Date(book.now.getTime() + op.expiresInHours * HOUR),
        reason: 'promotional_grant',
      });
    case 'hold': {
      if (reservationDenial(book, op.credits) !== null) return book;
      tally.ids += 1;
      return placeHold(book, { id: `h${tally.ids}`, credits: op.credits, expiresAt: new Date(book.now.getTime() + 10 * HOUR) });
    }
    case 'settle': {
      const hold = book.holds[op.pick % Math.max(1, book.holds.length)];
      const released = hold ? closeHold(book, hold.id, 'settled') : book;
      return charge(released, op.credits, tally);
    }
    case 'release': {
      const hold = book.holds[op.pick % Math.max(1, book.holds.length)];
      return hold ? closeHold(book, hold.id, 'released') : book;
    }
    case 'record':
      return charge(book, op.credits, tally);
    case 'settings':
      return { ...book, overage: { ...book.overage, enabled: op.enabled, limitCredits: op.limitCredits } };
    case 'advance':
      return expireDue({ ...book, now: new Date(book.now.getTime() + op.hours * HOUR) });
    case 'rollover': {
      tally.ids += 1;
      // A new period starts after the current one did.
      const start = new Date(book.now.getTime() + HOUR);
      return rollOver(expireDue({ ...book, now: start }), { start, end: new Date(start.getTime() + 720 * HOUR), includedCredits: op.includedCredits, grantId: `p${tally.ids}` });
    }
  }
}

function checkBook(book: LedgerBook): void {
  assertBookInvariants(book);
  // Balance = sum of entries, per bucket and in total.
  expect(sumEntries(book, ['plan', 'purchased', 'promotional'])).toBe(prepaidCredits(book));
  for (const grant of book.grants) {
    const entries = book.entries.filter((entry) => entry.grantId === grant.id).reduce((sum, entry) => sum + entry.credits, 0);
    expect(entries).toBe(grant.remainingCredits);
  }
  expect(sumEntries(book, ['held'])).toBe(heldCredits(book));
  expect(sumEntries(book, ['overage'], book.overage.periodStart)).toBe(book.overage.usedCredits);
  // Overage never exceeds the limit in force when it was charged.
  const running = new Map<number, number>();
  for (const entry of book.entries.filter((candidate) => candidate.account === 'overage')) {
    const key = entry.periodStart!.getTime();
    const total = (running.get(key) ?? 0) + entry.credits;
    running.set(key, total);
    if (entry.limitCredits! > 0) expect(total).toBeLessThanOrEqual(entry.limitCredits!);
  }
}

describe('the ledger engine (property-based)', () => {
  it('keeps every invariant over random sequences of operations', () => {
    fc.assert(
      fc.property(fc.array(operation, { minLength: 1, maxLength: 60 }), (operations) => {
        const tally: Tally = { charged: 0, uncollected: 0, recorded: 0, ids: 0 };
        let book = openBook({
          now: START,
          grants: [],
          holds: [],
          overage: { enabled: false, limitCredits: 0, usedCredits: 0, periodStart: START },
        });
        for (const op of operations) {
          book = apply(book, op, tally);
          checkBook(book);
        }
        expect(tally.charged + tally.uncollected).toBe(tally.recorded);
        const debited = -book.entries.filter((entry) => entry.kind === 'usage').reduce((sum, entry) => sum + entry.credits, 0);
        const overage = book.entries.filter((entry) => entry.kind === 'overage').reduce((sum, entry) => sum + entry.credits, 0);
        expect(debited + overage).toBe(tally.charged);
      }),
      { numRuns: 500 },
    );
  });

  it('with on-demand off, nothing is reserved or charged beyond the prepaid credits', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000 }), fc.array(fc.integer({ min: 1, max: 100 }), { maxLength: 40 }), (granted, requests) => {
        let book = openBook({ now: START, grants: [], holds: [], overage: { enabled: false, limitCredits: 0, usedCredits: 0, periodStart: START } });
        if (granted > 0) book = addGrant(book, { id: 'g', bucket: 'purchased', credits: granted, expiresAt: null, reason: 'purchase' });
        let held = 0;
        for (const [index, credits] of requests.entries()) {
          if (reservationDenial(book, credits) === null) {
            book = placeHold(book, { id: `h${index}`, credits, expiresAt: new Date(START.getTime() + HOUR) });
            held += credits;
          }
        }
        expect(held).toBeLessThanOrEqual(granted);
        expect(availableCredits(book)).toBe(granted - held);
      }),
    );
  });
});
