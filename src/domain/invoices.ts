import { assertInvariant } from './assert.js';

/**
 * Invoices as plain data (SPEC §8): lines in integer cents, tax lines, totals. Every invoice keeps
 * total = sum of lines + tax; `invoiceTotals` computes it and `assertInvoiceTotals` checks it.
 */
export const INVOICE_KINDS = ['period', 'credit_purchase'] as const;
export type InvoiceKind = (typeof INVOICE_KINDS)[number];

export const INVOICE_STATUSES = ['open', 'paid', 'void'] as const;
export type InvoiceStatus = (typeof INVOICE_STATUSES)[number];

export const LINE_KINDS = ['subscription', 'credit_purchase', 'overage', 'proration', 'adjustment'] as const;
export type LineKind = (typeof LINE_KINDS)[number];

export interface InvoiceLine {
  readonly kind: LineKind;
  readonly description: string;
  readonly quantity: number;
  readonly unit_price_cents: number;
  readonly amount_cents: number;
}

export interface TaxLine {
  readonly name: string;
  /** Basis points: 825 = 8.25%. */
  readonly rate_bps: number;
  readonly amount_cents: number;
}

export interface PostalAddress {
  readonly name: string;
  readonly country: string;
  readonly region?: string | undefined;
  readonly postal_code?: string | undefined;
  readonly line1?: string | undefined;
  readonly city?: string | undefined;
  readonly vat_id?: string | null | undefined;
}

/** Everything printed on an invoice: what the API returns and what the PDF shows. */
export interface InvoiceDocument {
  readonly id: string;
  readonly number: string;
  readonly kind: InvoiceKind;
  readonly status: InvoiceStatus;
  readonly currency: string;
  readonly issued_at: string;
  readonly paid_at: string | null;
  readonly period_start: string;
  readonly period_end: string;
  readonly plan: { readonly id: string; readonly name: string; readonly base_price_cents: number };
  readonly seller: PostalAddress;
  readonly billing_address: PostalAddress;
  readonly lines: readonly InvoiceLine[];
  readonly tax: readonly TaxLine[];
  /** e.g. "Reverse charge: VAT to be accounted for by the recipient (Article 196, Directive 2006/112/EC)". */
  readonly tax_note: string | null;
  readonly subtotal_cents: number;
  readonly tax_cents: number;
  readonly total_cents: number;
  /** The receipt: the card that paid it (null while open, or when the provider did not say). */
  readonly paid_with: { readonly brand: string; readonly last4: string } | null;
}

export function lineAmount(quantity: number, unitPriceCents: number): number {
  const amount = quantity * unitPriceCents;
  assertInvariant(Number.isSafeInteger(amount), `line amount ${quantity} × ${unitPriceCents} is not a safe integer`);
  return amount;
}

export function invoiceTotals(lines: readonly InvoiceLine[], tax: readonly TaxLine[]) {
  const subtotal_cents = lines.reduce((sum, line) => sum + line.amount_cents, 0);
  const tax_cents = tax.reduce((sum, line) => sum + line.amount_cents, 0);
  return { subtotal_cents, tax_cents, total_cents: subtotal_cents + tax_cents };
}

export function assertInvoiceTotals(invoice: Pick<InvoiceDocument, 'lines' | 'tax' | 'subtotal_cents' | 'tax_cents' | 'total_cents'>): void {
  for (const line of invoice.lines) {
    assertInvariant(line.amount_cents === lineAmount(line.quantity, line.unit_price_cents) || line.kind === 'proration', `line "${line.description}" does not multiply out`);
  }
  const totals = invoiceTotals(invoice.lines, invoice.tax);
  assertInvariant(
    totals.subtotal_cents === invoice.subtotal_cents && totals.tax_cents === invoice.tax_cents && totals.total_cents === invoice.total_cents,
    'invoice total is not lines + tax',
  );
}

/** "$1,234.56" for 123456 cents in USD; other currencies with their ISO symbol. */
export function formatMoney(cents: number, currency: string): string {
  return new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(cents / 100);
}
