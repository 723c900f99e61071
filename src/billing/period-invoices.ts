import type { Db } from '../db/database.js';
import type { OrgRow } from '../db/schema.js';
import { assignPendingItems, lockPendingItems } from '../db/invoices.js';
import { getOrgRow } from '../db/orgs.js';
import { claimPendingClosings, markClosingInvoiced } from '../db/period-closings.js';
import { publishEvent } from '../notifications/publish.js';
import { lineAmount, type InvoiceLine } from '../domain/invoices.js';
import { formatInvoicePeriod } from '../domain/invoice-presentation.js';
import type { Period } from '../domain/periods.js';
import type { BillingDeps } from './deps.js';
import { issueInvoice } from './issue-invoice.js';
import { logOrgJobFailure, type OrgJobFailureLog } from './for-each-org.js';
import type { PeriodClosing } from '../ledger/rollover.js';
import type { Terms } from '../domain/plans.js';
import { assertInvariant } from '../domain/assert.js';

/** "Dec 3, 2026 – Jan 2, 2027": the period's first and last day, as the invoice prints every date. */
export function describePeriod(period: Period): string {
  return formatInvoicePeriod(period.start.toISOString(), period.end.toISOString());
}

/**
 * The invoice of each period boundary (SPEC §8): the plan's base cost for the period that begins,
 * the on-demand overage of the period that closed, and any prorations waiting. A subscription that
 * ended gets a final invoice only when something is left to bill. The ledger cycle that rolled the
 * period over wrote a `period_closings` row; this issues its invoice after that commit (for the orgs
 * named) and in the billing jobs (for every org: what a crash left). One transaction per closing.
 */
export async function issuePendingPeriodInvoices(deps: BillingDeps, orgIds: readonly string[] | null, log: OrgJobFailureLog = logOrgJobFailure): Promise<number> {
  let issued = 0;
  // An org whose invoice fails is logged and left pending for a later run; the others go on.
  const failed = new Set<string>();
  for (;;) {
    let orgId: string | null = null;
    try {
      const done = await deps.db.transaction().execute(async (tx) => {
        const [pending] = await claimPendingClosings(tx, orgIds, failed, 1);
        if (!pending) return false;
        orgId = pending.org_id;
        const org = await getOrgRow(tx, pending.org_id);
        await issuePeriodInvoice(tx, deps, org, reviveClosing(pending.closing));
        await markClosingInvoiced(tx, pending, deps.clock.now());
        return true;
      });
      if (!done) return issued;
      issued += 1;
    } catch (error) {
      if (orgId === null) throw error;
      failed.add(orgId);
      log({ job: 'period invoices', orgId, error });
    }
  }
}

/** A closing as the cycle stored it (JSON: its dates as ISO strings). */
function reviveClosing(stored: Record<string, unknown>): PeriodClosing {
  const closing = stored as unknown as PeriodClosing;
  const period = (value: Period) => ({ start: new Date(value.start), end: new Date(value.end) });
  return {
    ...closing,
    closed: period(closing.closed),
    next: closing.next === null ? null : { ...closing.next, period: period(closing.next.period) },
  };
}

/** The first invoice of a term (a new org, or a canceled org that resubscribes): its base cost. */
export async function issueFirstPeriodInvoice(tx: Db, deps: BillingDeps, org: OrgRow, next: { period: Period; terms: Terms }): Promise<void> {
  await issuePeriodInvoice(tx, deps, org, { closed: null, closedTerms: next.terms, overageCredits: 0, next });
}

/** A period closing, or the preview of the next one (the closed period may be none: a first invoice). */
export type ClosingToBill = Omit<PeriodClosing, 'closed'> & { closed: Period | null };

/** The lines of a period invoice: the next period's base price and the closed period's overage. */
export function periodInvoiceLines(closing: ClosingToBill): (InvoiceLine & { periodStart?: Date | null })[] {
  const lines: (InvoiceLine & { periodStart?: Date | null })[] = [];
  if (closing.next) {
    const { period, terms } = closing.next;
    lines.push({
      kind: 'subscription',
      description: `${terms.planName} plan, ${describePeriod(period)}`,
      quantity: 1,
      unit_price_cents: terms.basePriceCents,
      amount_cents: terms.basePriceCents,
    });
  }
  if (closing.closed && closing.overageCredits > 0) {
    const price = closing.closedTerms.overagePriceCents;
    lines.push({
      kind: 'overage',
      description: `On-demand overage, ${describePeriod(closing.closed)}`,
      quantity: closing.overageCredits,
      unit_price_cents: price,
      amount_cents: lineAmount(closing.overageCredits, price),
      periodStart: closing.closed.start,
    });
  }
  return lines;
}

async function issuePeriodInvoice(tx: Db, deps: BillingDeps, org: OrgRow, closing: ClosingToBill): Promise<void> {
  const lines = periodInvoiceLines(closing);
  // A term that ended bills the period that closed (its overage and prorations, no base cost); that
  // period's own invoice was issued when it began, so this one is marked as the term's final invoice.
  const period = closing.next?.period ?? closing.closed;
  assertInvariant(period !== null, 'a period invoice bills a period');
  const invoiceTerms = closing.next?.terms ?? closing.closedTerms;
  await issueWithPendingItems(tx, deps, org, {
    kind: 'period',
    periodStart: period.start,
    periodEnd: period.end,
    plan: { id: invoiceTerms.planId, name: invoiceTerms.planName, basePriceCents: invoiceTerms.basePriceCents },
    currency: invoiceTerms.currency,
    paid: false,
    closesTerm: closing.next === null,
    lines,
  });
  if (!closing.next && closing.closed) {
    await publishEvent(tx, { orgId: org.org_id, type: 'subscription.canceled', data: { ended_at: closing.closed.end.toISOString() }, now: deps.clock.now() }, deps);
  }
}

/** A charge waiting for the next period invoice (a proration), as an invoice line. */
export function pendingItemLine(item: { kind: InvoiceLine['kind']; description: string; quantity: number; unit_price_cents: number; amount_cents: number }): InvoiceLine {
  return { kind: item.kind, description: item.description, quantity: item.quantity, unit_price_cents: item.unit_price_cents, amount_cents: item.amount_cents };
}

/** Adds the waiting prorations to the invoice's lines; skips an ended term with nothing to bill. */
async function issueWithPendingItems(
  tx: Db,
  deps: BillingDeps,
  org: OrgRow,
  draft: Parameters<typeof issueInvoice>[3] & { lines: (InvoiceLine & { periodStart?: Date | null })[] },
): Promise<void> {
  const pending = await lockPendingItems(tx, org.org_id);
  const lines = [
    ...draft.lines,
    ...pending.map(pendingItemLine),
  ];
  if (lines.length === 0) return;
  const invoice = await issueInvoice(tx, deps, org, { ...draft, lines });
  await assignPendingItems(tx, org.org_id, pending.map((item) => item.item_id), invoice.id);
}
