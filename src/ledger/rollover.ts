import type { ContractTerms, SubscriptionRow } from '../db/schema.js';
import { expireDue, rollOver, type LedgerBook } from '../domain/ledger.js';
import { periodAt, type Period } from '../domain/periods.js';
import { effectiveTerms, findPlan, type PlanCatalog, type Terms } from '../domain/plans.js';
import { assertInvariant } from '../domain/assert.js';

/** The most periods one catch-up may run: a server down for longer needs an operator anyway. */
export const MAX_PERIODS_PER_CATCH_UP = 120;

/** How long a canceled org's data stays readable (SPEC §9). */
export const RETENTION_DAYS_AFTER_CANCEL = 30;

/** One period boundary that passed: what closed, and what (if anything) began. */
export interface PeriodClosing {
  readonly closed: Period;
  readonly closedTerms: Terms;
  /** On-demand overage used in the closed period, billed on the next invoice. */
  readonly overageCredits: number;
  readonly next: { period: Period; terms: Terms } | null;
}

export interface CaughtUp {
  readonly book: LedgerBook;
  readonly subscription: SubscriptionRow;
  readonly closings: readonly PeriodClosing[];
}

export function termsOf(catalog: PlanCatalog, planId: string, contract: ContractTerms | null): Terms {
  const plan = findPlan(catalog, planId);
  assertInvariant(plan !== undefined, `unknown plan ${planId}`);
  return effectiveTerms(plan, contract);
}

/** Starts a period: the plan's included credits, expiring at its end (`grantId` names the grant). */
export function startPeriod(book: LedgerBook, period: Period, terms: Terms, grantId: string): LedgerBook {
  return rollOver(book, { start: period.start, end: period.end, includedCredits: terms.includedCredits, grantId });
}

/**
 * The period that follows the current one, under the plan it will have (a scheduled downgrade takes
 * effect on the boundary). A contract that changes the period length re-anchors on the boundary.
 */
export function nextPeriodOf(subscription: SubscriptionRow, catalog: PlanCatalog, contract: ContractTerms | null) {
  const planId = subscription.scheduled_plan_id ?? subscription.plan_id;
  const terms = termsOf(catalog, planId, contract);
  const reanchor = terms.periodUnit !== subscription.period_unit;
  const anchor = reanchor ? subscription.current_period_end : subscription.anchor_at;
  const index = reanchor ? 0 : subscription.period_index + 1;
  return { planId, terms, anchor, index, period: periodAt(anchor, index, terms.periodUnit) };
}

/**
 * Runs every period boundary that has passed, in order. At each: a scheduled downgrade takes
 * effect, unused plan credits expire, the next period's included credits are granted and the overage
 * counter resets. A subscription set to cancel ends instead: plan credits expire, no new period.
 */
export function catchUpPeriods(input: {
  book: LedgerBook;
  subscription: SubscriptionRow;
  catalog: PlanCatalog;
  contract: ContractTerms | null;
  newId: (prefix: string) => string;
}): CaughtUp {
  let { book, subscription } = input;
  // Each boundary is applied at its own time (book.now moves back to it), so the loop must compare
  // with the time of the transaction, or it would stop after the first boundary.
  const now = input.book.now;
  const closings: PeriodClosing[] = [];
  while (subscription.status !== 'canceled' && subscription.current_period_end.getTime() <= now.getTime()) {
    assertInvariant(closings.length < MAX_PERIODS_PER_CATCH_UP, `org ${subscription.org_id} is more than ${MAX_PERIODS_PER_CATCH_UP} periods behind`);
    const closed = { start: subscription.current_period_start, end: subscription.current_period_end };
    const closedTerms = termsOf(input.catalog, subscription.plan_id, input.contract);
    const overageCredits = book.overage.usedCredits;
    if (subscription.cancel_at_period_end) {
      book = endPlanCredits({ ...book, now: closed.end }, closed.end);
      subscription = {
        ...subscription,
        status: 'canceled',
        cancel_at_period_end: false,
        scheduled_plan_id: null,
        canceled_at: closed.end,
        purge_after: new Date(closed.end.getTime() + RETENTION_DAYS_AFTER_CANCEL * 86_400_000),
        updated_at: now,
      };
      closings.push({ closed, closedTerms, overageCredits, next: null });
      break;
    }
    const { planId, terms, anchor, index, period } = nextPeriodOf(subscription, input.catalog, input.contract);
    book = startPeriod({ ...book, now: closed.end }, period, terms, input.newId('grt'));
    subscription = {
      ...subscription,
      plan_id: planId,
      scheduled_plan_id: null,
      anchor_at: anchor,
      period_unit: terms.periodUnit,
      period_index: index,
      current_period_start: period.start,
      current_period_end: period.end,
      updated_at: now,
    };
    closings.push({ closed, closedTerms, overageCredits, next: { period, terms } });
  }
  assertInvariant(subscription.status === 'canceled' || subscription.current_period_end.getTime() > now.getTime(), 'every period boundary that passed was rolled over');
  return { book: { ...book, now }, subscription, closings };
}

/**
 * The end of a canceled subscription's term: plan credits expire, and overage stops, since no invoice
 * would ever bill it (the closed period's overage goes on the term's final invoice).
 */
function endPlanCredits(book: LedgerBook, end: Date): LedgerBook {
  const expired = expireDue({ ...book, now: end });
  return { ...expired, overage: { ...expired.overage, enabled: false, usedCredits: 0, periodStart: end } };
}
