import { findInvoice } from '../db/invoices.js';
import { findCreditNote } from '../db/refunds.js';
import { Failure } from '../domain/failures.js';
import type { CreditNoteFacts } from '../domain/invoice-presentation.js';
import { formatCreditNoteNumber } from '../domain/refunds.js';
import type { BillingDeps } from './deps.js';
import { formatInvoiceNumber, invoiceDocument } from './issue-invoice.js';

/** A credit note as the API answers it: the refund's money and credits, and the invoice it credits. */
export interface CreditNoteView {
  readonly id: string;
  readonly number: string;
  readonly kind: 'credit_note';
  readonly refund_id: string;
  readonly purchase_id: string;
  readonly invoice_id: string;
  readonly invoice_number: string;
  readonly reason: string;
  readonly credits: number;
  readonly unit_price_cents: number;
  readonly amount_cents: number;
  readonly tax_cents: number;
  readonly total_cents: number;
  readonly currency: string;
  readonly issued_at: string;
  readonly refunded_to: { readonly brand: string; readonly last4: string } | null;
  /** What the note prints of the invoice it credits: its number, seller, customer, tax names and note. */
  readonly invoice: CreditNoteFacts['invoice'];
}

/** The credit note and what its page and PDF print (domain/invoice-presentation.ts presents it). */
export async function loadCreditNote(deps: BillingDeps, orgId: string, creditNoteId: string): Promise<{ view: CreditNoteView; facts: CreditNoteFacts }> {
  const found = await findCreditNote(deps.db, orgId, creditNoteId);
  if (!found || found.credit_note_number === null || found.invoice_id === null) throw new Failure('NOT_FOUND', `There is no credit note ${creditNoteId} in this organization.`);
  const invoice = await findInvoice(deps.db, orgId, found.invoice_id);
  if (!invoice) throw new Failure('NOT_FOUND', `The invoice credited by ${creditNoteId} is gone.`);
  const document = invoiceDocument(invoice.invoice, invoice.lines);
  const refundedTo = found.card_brand !== null && found.card_last4 !== null ? { brand: found.card_brand, last4: found.card_last4 } : null;
  const view: CreditNoteView = {
    id: creditNoteId,
    number: formatCreditNoteNumber(found.credit_note_number),
    kind: 'credit_note',
    refund_id: found.refund_id,
    purchase_id: found.purchase_id,
    invoice_id: found.invoice_id,
    invoice_number: formatInvoiceNumber(invoice.invoice.number),
    reason: found.reason,
    credits: found.credits,
    unit_price_cents: found.unit_price_cents,
    amount_cents: found.amount_cents,
    tax_cents: found.tax_cents,
    total_cents: found.total_cents,
    currency: found.currency,
    issued_at: found.updated_at.toISOString(),
    refunded_to: refundedTo,
    invoice: { number: document.number, seller: document.seller, billing_address: document.billing_address, tax: document.tax, tax_note: document.tax_note },
  };
  return { view, facts: view };
}
