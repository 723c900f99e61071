import { describe, expect, it } from 'vitest';
import type { SubscriptionRow } from '../db/schema.js';
import { addGrant, openBook, rollOver, type LedgerBook } from '../domain/ledger.js';
import { InvariantViolation } from '../domain/assert.js';
import type { PlanCatalog } from '../domain/plans.js';
import { catchUpPeriods, MAX_PERIODS_PER_CATCH_UP } from './rollover.js';

/**
 * catchUpPeriods at its boundaries, with hand-written dates: a boundary passes when the clock
 * reaches it (not before), each passed boundary closes one period and opens the next, a scheduled
 * downgrade and a cancellation act on the first boundary only.
 */
const CATALOG: PlanCatalog = {
  modules: ['assistant'],
  plans: [
    { id: 'starter', name: 'Starter', basePriceCents: 4_900, currency: 'USD', includedUsers: 5, includedCredits: 2_000, features: ['assistant'], pricedByContract: false, creditPriceCents: 1 },
    { id: 'team', name: 'Team', basePriceCents: 19_900, currency: 'USD', includedUsers: 20, includedCredits: 10_000, features: ['assistant'], pricedByContract: false, creditPriceCents: 1 },
  ],
};

const JAN_31 = new Date('2026-01-31T09:00:00Z');
const FEB_28 = new Date('2026-02-28T09:00:00Z');
const MAR_31 = new Date('2026-03-31T09:00:00Z');
const APR_30 = new Date('2026-04-30T09:00:00Z');

function subscription(change: Partial<SubscriptionRow> = {}): SubscriptionRow {
  return {
    org_id: 'org-1',
    plan_id: 'team',
    status: 'active',
    anchor_at: JAN_31,
    period_unit: 'month',
    period_index: 0,
    current_period_start: JAN_31,
    current_period_end: FEB_28,
    cancel_at_period_end: false,
    scheduled_plan_id: null,
    updated_at: JAN_31,
    provider_subscription_id: null,
    pending_change: null,
    canceled_at: null,
    purge_after: null,
    last_provider_event_at: null,
    ...change,
  };
}

/** January's book: Team's 10,000 plan credits (6,000 left), 500 purchased, 120 on-demand credits used. */
function januaryBook(now: Date): LedgerBook {
  let book = openBook({ now: JAN_31, grants: [], holds: [], overage: { enabled: true, limitCredits: 1_000, usedCredits: 120, periodStart: JAN_31 } });
  book = rollOver(book, { start: JAN_31, end: FEB_28, includedCredits: 10_000, grantId: 'grt_jan' });
  book = addGrant(book, { id: 'grt_bought', bucket: 'purchased', credits: 500, expiresAt: null, reason: 'purchase' });
  const jan = book.grants.find((grant) => grant.id === 'grt_jan')!;
  book = { ...book, grants: book.grants.map((grant) => (grant === jan ? { ...grant, remainingCredits: 6_000 } : grant)) };
  return openBook({ now, grants: book.grants, holds: [], overage: { ...book.overage, usedCredits: 120 } });
}

function catchUp(now: Date, change: Partial<SubscriptionRow> = {}) {
  let ids = 0;
  return catchUpPeriods({ book: januaryBook(now), subscription: subscription(change), catalog: CATALOG, contract: null, newId: (prefix) => `${prefix}_${(ids += 1)}` });
}

const remaining = (book: LedgerBook) => book.grants.filter((grant) => grant.remainingCredits > 0).map((grant) => [grant.id, grant.remainingCredits, grant.expiresAt?.toISOString() ?? null]);

describe('catchUpPeriods', () => {
  it('one millisecond before the boundary: nothing happens', () => {
    const result = catchUp(new Date(FEB_28.getTime() - 1));
    expect(result.closings).toEqual([]);
    expect(result.subscription).toEqual(subscription());
    expect(result.book.entries).toEqual([]);
  });

  it('exactly at the boundary: January closes with its 120 on-demand credits, February opens with 10,000 credits to the 31st-clamped end', () => {
    const result = catchUp(FEB_28);
    expect(result.closings).toHaveLength(1);
    expect(result.closings[0]).toMatchObject({ closed: { start: JAN_31, end: FEB_28 }, overageCredits: 120, next: { period: { start: FEB_28, end: MAR_31 } } });
    expect(result.subscription).toMatchObject({ period_index: 1, current_period_start: FEB_28, current_period_end: MAR_31, plan_id: 'team' });
    // January's 6,000 unused plan credits expired; purchased credits stay; the counter starts again.
    expect(remaining(result.book)).toEqual([
      ['grt_bought', 500, null],
      ['grt_1', 10_000, MAR_31.toISOString()],
    ]);
    expect(result.book.entries.filter((entry) => entry.grantId === 'grt_jan').reduce((sum, entry) => sum + entry.credits, 0)).toBe(-6_000);
    expect(result.book.overage).toMatchObject({ usedCredits: 0, periodStart: FEB_28 });
    expect(result.book.now).toEqual(FEB_28);
  });

  it('a server down for two boundaries runs both, in order, each period with its own grant', () => {
    const result = catchUp(new Date('2026-04-01T00:00:00Z'));
    expect(result.closings.map((closing) => [closing.closed.start, closing.closed.end, closing.overageCredits])).toEqual([
      [JAN_31, FEB_28, 120],
      [FEB_28, MAR_31, 0],
    ]);
    expect(result.subscription).toMatchObject({ period_index: 2, current_period_start: MAR_31, current_period_end: APR_30 });
    expect(remaining(result.book)).toEqual([
      ['grt_bought', 500, null],
      ['grt_2', 10_000, APR_30.toISOString()],
    ]);
  });

  it('a scheduled downgrade takes effect on the first boundary and is then cleared', () => {
    const result = catchUp(FEB_28, { scheduled_plan_id: 'starter' });
    expect(result.closings[0]).toMatchObject({ closedTerms: { planId: 'team' }, next: { terms: { planId: 'starter', includedCredits: 2_000 } } });
    expect(result.subscription).toMatchObject({ plan_id: 'starter', scheduled_plan_id: null });
    expect(remaining(result.book)).toContainEqual(['grt_1', 2_000, MAR_31.toISOString()]);
  });

  it('a subscription set to cancel ends on the boundary: plan credits expire, no new period, purge 30 days later, later boundaries ignored', () => {
    const result = catchUp(new Date('2026-05-15T00:00:00Z'), { cancel_at_period_end: true });
    expect(result.closings).toEqual([expect.objectContaining({ closed: { start: JAN_31, end: FEB_28 }, overageCredits: 120, next: null })]);
    expect(result.subscription).toMatchObject({
      status: 'canceled',
      cancel_at_period_end: false,
      canceled_at: FEB_28,
      purge_after: new Date('2026-03-30T09:00:00Z'),
      current_period_end: FEB_28,
    });
    expect(remaining(result.book)).toEqual([['grt_bought', 500, null]]);
    expect(result.book.overage).toMatchObject({ enabled: false, usedCredits: 0 });
  });

  it(`more than ${MAX_PERIODS_PER_CATCH_UP} periods behind is an invariant violation, not a long loop`, () => {
    expect(() => catchUp(new Date('2037-01-01T00:00:00Z'))).toThrow(InvariantViolation);
    expect(catchUp(new Date('2036-01-01T00:00:00Z')).closings).toHaveLength(MAX_PERIODS_PER_CATCH_UP - 1);
  });
});
