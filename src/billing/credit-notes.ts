import { findInvoice } from '../db/invoices.js';
import { findCreditNote } from '../db/refunds.js';
import { Failure } from '../domain/failures.js';
import type { CreditNoteFacts } from '../domain/invoice-presentation.js';
import { formatCreditNoteNumber } from '../domain/refunds.js';
import type { BillingDeps } from './deps.js';
import { formatInvoiceNumber, invoiceDocument } from './issue-invoice.js';

/**
 * A credit note as the API answers it: what it prints (CreditNoteFacts: the money, the credits, the
 * invoice it credits) and the ids that tie it to its refund, purchase and invoice.
 */
export interface CreditNoteView extends CreditNoteFacts {
  readonly id: string;
  readonly kind: 'credit_note';
  readonly refund_id: string;
  readonly purchase_id: string;
  readonly invoice_id: string;
  readonly invoice_number: string;
}

/** The credit note and what its page and PDF print (domain/invoice-presentation.ts presents it). */
export async function loadCreditNote(deps: BillingDeps, orgId: string, creditNoteId: string): Promise<CreditNoteView> {
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
  return view;
}
