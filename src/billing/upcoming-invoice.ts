import { findOrg } from '../db/orgs.js';
import { readBalanceSummary } from '../db/balances.js';
import { listPendingItems } from '../db/invoices.js';
import { invoiceTotals, type InvoiceLine, type PostalAddress, type TaxLine } from '../domain/invoices.js';
import { Failure } from '../domain/failures.js';
import { nextPeriodOf, termsOf } from '../ledger/rollover.js';
import type { BillingDeps } from './deps.js';
import { customerAddress, taxFor } from './issue-invoice.js';
import { maintainOrg } from './maintain-org.js';
import { pendingItemLine, periodInvoiceLines } from './period-invoices.js';

/** The next period invoice as it stands now (API.md): an invoice's shape, as a draft. */
export interface UpcomingInvoice {
  readonly id: null;
  readonly number: null;
  readonly kind: 'period';
  readonly status: 'draft';
  readonly currency: string;
  readonly issued_at: null;
  readonly paid_at: null;
  /** When it will be issued and charged: the end of the current period. */
  readonly billing_date: string;
  readonly period_start: string;
  readonly period_end: string;
  readonly plan: { readonly id: string; readonly name: string; readonly base_price_cents: number };
  readonly seller: PostalAddress;
  readonly billing_address: PostalAddress;
  readonly lines: readonly InvoiceLine[];
  readonly tax: readonly TaxLine[];
  readonly tax_note: string | null;
  readonly subtotal_cents: number;
  readonly tax_cents: number;
  readonly total_cents: number;
}

/**
 * What the invoice of the coming period boundary would hold if the period closed now, built by the
 * same line builder and tax rules as the real one: the next period's base price (under a scheduled
 * downgrade, the new plan's), the prorations waiting, the on-demand overage accrued so far in this
 * period, and the estimated tax by the billing address. A subscription set to cancel has a final
 * invoice only when something is left to bill; an ended one has none (404 NO_UPCOMING_INVOICE).
 */
export async function upcomingInvoice(deps: BillingDeps, orgId: string): Promise<UpcomingInvoice> {
  await maintainOrg(deps, orgId);
  const [view, summary, pending] = await Promise.all([
    findOrg(deps.db, orgId),
    readBalanceSummary(deps.db, orgId, deps.clock.now()),
    listPendingItems(deps.db, orgId),
  ]);
  if (!view || !summary) throw new Failure('ORG_NOT_FOUND', `There is no organization ${orgId}.`);
  const { org, subscription } = view;
  const noInvoice = (detail: string) => new Failure('NO_UPCOMING_INVOICE', detail);
  if (subscription.status === 'canceled') throw noInvoice('The subscription has ended: no further invoice is due.');
  const current = { start: subscription.current_period_start, end: subscription.current_period_end };
  const currentTerms = termsOf(deps.catalog, subscription.plan_id, summary.contract);
  const next = subscription.cancel_at_period_end ? null : nextPeriodOf(subscription, deps.catalog, summary.contract);
  const lines: InvoiceLine[] = [
    ...periodInvoiceLines({
      closed: current,
      closedTerms: currentTerms,
      overageCredits: summary.overageUsedCredits,
      next: next && { period: next.period, terms: next.terms },
    }).map(({ kind, description, quantity, unit_price_cents, amount_cents }) => ({ kind, description, quantity, unit_price_cents, amount_cents })),
    ...pending.map(pendingItemLine),
  ];
  if (lines.length === 0) throw noInvoice(`The subscription ends on ${current.end.toISOString()} and nothing is left to bill.`);
  const tax = taxFor(deps, org, Math.max(0, invoiceTotals(lines, []).subtotal_cents));
  const terms = next?.terms ?? currentTerms;
  const period = next?.period ?? current;
  return {
    id: null,
    number: null,
    kind: 'period',
    status: 'draft',
    currency: terms.currency,
    issued_at: null,
    paid_at: null,
    billing_date: current.end.toISOString(),
    period_start: period.start.toISOString(),
    period_end: period.end.toISOString(),
    plan: { id: terms.planId, name: terms.planName, base_price_cents: terms.basePriceCents },
    seller: deps.seller,
    billing_address: customerAddress(org),
    lines,
    tax: tax.lines,
    tax_note: tax.note,
    ...invoiceTotals(lines, tax.lines),
  };
}
