import type { SubscriptionRow } from '../db/schema.js';
import { rollOver, type LedgerBook } from '../domain/ledger.js';
import { periodAt } from '../domain/periods.js';
import { findPlan, type PlanCatalog } from '../domain/plans.js';
import { assertInvariant } from '../domain/credits.js';
import type { GrantDetails } from '../db/ledger-store.js';
import { newId } from './ids.js';

/** The most periods one catch-up may run: a server down for longer needs an operator anyway. */
export const MAX_PERIODS_PER_CATCH_UP = 120;

export interface CaughtUp {
  readonly book: LedgerBook;
  readonly subscription: SubscriptionRow;
  readonly grantDetails: Map<string, { reason: string; periodStart: Date }>;
  readonly periodsRolled: number;
}

/**
 * Runs every period boundary that has passed, in order: plan credits expire, the next period's
 * included credits are granted and the overage counter resets. A canceled subscription stops here.
 */
export function catchUpPeriods(input: { book: LedgerBook; subscription: SubscriptionRow; catalog: PlanCatalog }): CaughtUp {
  let { book, subscription } = input;
  const grantDetails = new Map<string, { reason: string; periodStart: Date }>();
  let periodsRolled = 0;
  while (subscription.status !== 'canceled' && subscription.current_period_end.getTime() <= book.now.getTime()) {
    assertInvariant(periodsRolled < MAX_PERIODS_PER_CATCH_UP, `org ${subscription.org_id} is more than ${MAX_PERIODS_PER_CATCH_UP} periods behind`);
    const plan = findPlan(input.catalog, subscription.plan_id);
    assertInvariant(plan !== undefined, `subscription of ${subscription.org_id} names unknown plan ${subscription.plan_id}`);
    const index = subscription.period_index + 1;
    const period = periodAt(subscription.anchor_at, index, subscription.period_unit);
    const grantId = newId('grt');
    book = rollOver(book, { start: period.start, end: period.end, includedCredits: plan.includedCredits, grantId });
    grantDetails.set(grantId, { reason: 'plan_period_grant', periodStart: period.start });
    subscription = {
      ...subscription,
      period_index: index,
      current_period_start: period.start,
      current_period_end: period.end,
      updated_at: book.now,
    };
    periodsRolled += 1;
  }
  return { book, subscription, grantDetails, periodsRolled };
}
