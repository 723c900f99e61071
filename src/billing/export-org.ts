import { PassThrough, type Readable } from 'node:stream';
import yazl from 'yazl';
import { findOrg } from '../db/orgs.js';
import { listMembers } from '../db/identity.js';
import { streamUsage } from '../db/usage.js';
import { findInvoice, listInvoiceIds } from '../db/invoices.js';
import { listLedgerEntries } from '../db/ledger-entries.js';
import { listAllPurchases } from '../db/purchases.js';
import { listPaymentMethods } from '../db/payment-methods.js';
import { listRefunds } from '../db/refunds.js';
import { listDisputes } from '../db/disputes.js';
import { Failure } from '../domain/failures.js';
import type { InvoiceDocument } from '../domain/invoices.js';
import { loadCreditNote, type CreditNoteView } from './credit-notes.js';
import type { BillingDeps } from './deps.js';
import { invoiceDocument } from './issue-invoice.js';
import { renderCreditNotePdf, renderInvoicePdf } from './render-invoice-pdf.js';
import { usageCsvStream, usageItem } from './usage-export.js';

/** Largest export: an org with more usage rows exports them as CSV in the zip, streamed. */
const MAX_JSON_USAGE_ROWS = 100_000;

/**
 * Everything an org may take with it (SPEC §9), readable while the org exists, including the 30
 * days after cancellation: org, subscription, settings, members, ledger, purchases, refunds,
 * disputes, invoices, credit notes, usage. JSON for a quick look; a zip with usage.csv, ledger.json,
 * invoices.json, credit-notes.json and every invoice's and credit note's PDF for the full export.
 */
export async function exportOrg(deps: BillingDeps, orgId: string) {
  const view = await findOrg(deps.db, orgId);
  if (!view) throw new Failure('ORG_NOT_FOUND');
  const [members, ledger, purchases, refunds, disputes, invoiceRows, paymentMethods] = await Promise.all([
    listMembers(deps.db, orgId),
    listLedgerEntries(deps.db, orgId),
    listAllPurchases(deps.db, orgId),
    listRefunds(deps.db, orgId),
    listDisputes(deps.db, orgId),
    listInvoiceIds(deps.db, orgId),
    listPaymentMethods(deps.db, orgId),
  ]);
  const invoices: InvoiceDocument[] = [];
  for (const { invoice_id } of invoiceRows) {
    const found = await findInvoice(deps.db, orgId, invoice_id);
    if (found) invoices.push(invoiceDocument(found.invoice, found.lines));
  }
  const creditNotes: CreditNoteView[] = [];
  for (const { credit_note_id } of refunds) if (credit_note_id !== null) creditNotes.push(await loadCreditNote(deps, orgId, credit_note_id));
  return {
    exported_at: deps.clock.now().toISOString(),
    org: { id: view.org.org_id, name: view.org.name, billing_address: view.org.billing_address, vat_id: view.org.vat_id, created_at: view.org.created_at.toISOString() },
    subscription: view.subscription,
    settings: view.settings,
    members: members.map(({ user_id, email, name, role }) => ({ user_id, email, name, role })),
    payment_methods: paymentMethods.map(({ payment_method_id, brand, last4, exp_month, exp_year, is_default }) => ({ id: payment_method_id, brand, last4, exp_month, exp_year, default: is_default })),
    ledger_entries: ledger,
    credit_purchases: purchases,
    refunds,
    disputes,
    invoices,
    credit_notes: creditNotes,
  };
}

export async function exportUsageJson(deps: BillingDeps, orgId: string) {
  const rows = [];
  for await (const row of streamUsage(deps.db, { orgId })) {
    if (rows.length >= MAX_JSON_USAGE_ROWS) break;
    rows.push(usageItem(row));
  }
  return rows;
}

/** The full export as a zip stream. */
export async function exportOrgZip(deps: BillingDeps, orgId: string): Promise<Readable> {
  const data = await exportOrg(deps, orgId);
  const zip = new yazl.ZipFile();
  const json = (value: unknown) => Buffer.from(`${JSON.stringify(value, null, 2)}\n`);
  zip.addBuffer(json({ ...data, ledger_entries: undefined, invoices: undefined, credit_notes: undefined }), 'org.json');
  zip.addBuffer(json(data.ledger_entries), 'ledger.json');
  zip.addBuffer(json(data.invoices), 'invoices.json');
  zip.addBuffer(json(data.credit_notes), 'credit-notes.json');
  for (const invoice of data.invoices) zip.addBuffer(await renderInvoicePdf(invoice), `invoices/${invoice.number}.pdf`);
  for (const note of data.credit_notes) zip.addBuffer(await renderCreditNotePdf(note), `credit-notes/${note.number}.pdf`);
  const csv = usageCsvStream(deps.db, { orgId });
  zip.addReadStream(csv.pipe(new PassThrough()), 'usage.csv');
  zip.end();
  return zip.outputStream as Readable;
}
