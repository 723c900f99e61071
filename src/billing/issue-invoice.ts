import type { Db } from '../db/database.js';
import type { OrgRow } from '../db/schema.js';
import { insertInvoice, type InvoiceRow } from '../db/invoices.js';
import { assertInvoiceTotals, invoiceTotals, type InvoiceDocument, type InvoiceLine, type PostalAddress } from '../domain/invoices.js';
import { computeTax, type TaxInput, type TaxResult } from '../domain/tax.js';
import type { BillingDeps } from './deps.js';
import { newId } from '../domain/ids.js';

export interface InvoiceDraft {
  readonly kind: 'period' | 'credit_purchase';
  readonly periodStart: Date;
  readonly periodEnd: Date;
  readonly plan: { id: string; name: string; basePriceCents: number };
  readonly currency: string;
  readonly lines: readonly (InvoiceLine & { periodStart?: Date | null })[];
  /** Already paid (a credit purchase is invoiced after its payment succeeded). */
  readonly paid: boolean;
  /** The final invoice of a canceled term: it bills the closed period, whose invoice exists already. */
  readonly closesTerm?: boolean;
}

/** The customer block of an invoice: the org's name, billing address and VAT ID. */
export function customerAddress(org: OrgRow): PostalAddress {
  return { name: org.name, ...org.billing_address, vat_id: org.vat_id };
}

/** Tax on `amountCents` for this org, by its billing address (SPEC §8). */
/** Who sells and who buys, as tax is decided: the seller's and the org's billing addresses, its VAT id. */
export function taxParties(deps: BillingDeps, org: OrgRow): Omit<TaxInput, 'amountCents'> {
  return {
    seller: { country: deps.seller.country, region: deps.seller.region },
    customer: { country: org.billing_address.country, region: org.billing_address.region },
    vatId: org.vat_id,
  };
}

export function taxFor(deps: BillingDeps, org: OrgRow, amountCents: number): TaxResult {
  return computeTax({ ...taxParties(deps, org), amountCents });
}

/**
 * Issues an invoice in the caller's transaction: tax by the billing address, totals checked
 * (total = lines + tax), the next invoice number. Unpaid invoices are due for collection at once.
 */
export async function issueInvoice(tx: Db, deps: BillingDeps, org: OrgRow, draft: InvoiceDraft): Promise<InvoiceDocument> {
  const subtotal = invoiceTotals(draft.lines, []).subtotal_cents;
  const tax = taxFor(deps, org, Math.max(0, subtotal));
  const totals = invoiceTotals(draft.lines, tax.lines);
  assertInvoiceTotals({ lines: draft.lines, tax: tax.lines, ...totals });
  const now = deps.clock.now();
  const paid = draft.paid || totals.total_cents === 0;
  const invoiceId = newId('inv');
  const number = await insertInvoice(tx, {
    orgId: org.org_id,
    invoiceId,
    kind: draft.kind,
    status: paid ? 'paid' : 'open',
    currency: draft.currency,
    periodStart: draft.periodStart,
    periodEnd: draft.periodEnd,
    plan: draft.plan,
    seller: { ...deps.seller },
    billingAddress: { ...customerAddress(org) },
    lines: draft.lines,
    tax: tax.lines,
    taxNote: tax.note,
    subtotalCents: totals.subtotal_cents,
    taxCents: totals.tax_cents,
    totalCents: totals.total_cents,
    issuedAt: now,
    nextAttemptAt: paid ? null : now,
    closesTerm: draft.closesTerm ?? false,
  });
  return {
    id: invoiceId,
    number: formatInvoiceNumber(number),
    kind: draft.kind,
    status: paid ? 'paid' : 'open',
    currency: draft.currency,
    issued_at: now.toISOString(),
    paid_at: paid ? now.toISOString() : null,
    period_start: draft.periodStart.toISOString(),
    period_end: draft.periodEnd.toISOString(),
    plan: { id: draft.plan.id, name: draft.plan.name, base_price_cents: draft.plan.basePriceCents },
    seller: deps.seller,
    billing_address: customerAddress(org),
    lines: draft.lines.map(({ kind, description, quantity, unit_price_cents, amount_cents }) => ({ kind, description, quantity, unit_price_cents, amount_cents })),
    tax: tax.lines,
    tax_note: tax.note,
    ...totals,
    paid_with: null,
  };
}

export function formatInvoiceNumber(number: number): string {
  return `LB-${String(number).padStart(6, '0')}`;
}

/** An invoice as the API and the PDF show it, from its stored row and lines. */
export function invoiceDocument(
  row: InvoiceRow,
  lines: readonly { kind: InvoiceLine['kind']; description: string; quantity: number; unit_price_cents: number; amount_cents: number }[],
  paidWith: InvoiceDocument['paid_with'] = null,
): InvoiceDocument {
  return {
    id: row.invoice_id,
    number: formatInvoiceNumber(row.number),
    kind: row.kind,
    status: row.status,
    currency: row.currency,
    issued_at: row.issued_at.toISOString(),
    paid_at: row.paid_at?.toISOString() ?? null,
    period_start: row.period_start.toISOString(),
    period_end: row.period_end.toISOString(),
    plan: { id: row.plan_id, name: row.plan_name, base_price_cents: row.plan_base_price_cents },
    seller: row.seller as unknown as PostalAddress,
    billing_address: row.billing_address as unknown as PostalAddress,
    lines: lines.map(({ kind, description, quantity, unit_price_cents, amount_cents }) => ({ kind, description, quantity, unit_price_cents, amount_cents })),
    tax: row.tax,
    tax_note: row.tax_note,
    subtotal_cents: row.subtotal_cents,
    tax_cents: row.tax_cents,
    total_cents: row.total_cents,
    paid_with: row.status === 'paid' ? paidWith : null,
  };
}
