import { Link, useParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { api } from '../../api.js';
import { useSession } from '../../auth.js';
import { keys } from '../../queries.js';
import type { Invoice } from '../../types.js';
import { formatMoney } from '../../format.js';
import { formatInvoiceDate, presentInvoice } from '../../../../src/domain/invoice-presentation.js';
import { DocumentBody, DocumentPage } from './DocumentBody.js';

/** Invoice details: period, plan, lines, tax and total, with the PDF. */
export function InvoiceDetailPage() {
  const { orgId } = useSession();
  const { invoiceId = '' } = useParams();
  const invoice = useQuery({
    queryKey: keys.invoice(orgId, invoiceId),
    queryFn: () => api<Invoice>('GET', `/v1/orgs/${orgId}/invoices/${encodeURIComponent(invoiceId)}`),
  });
  const data = invoice.data;
  // The same words, dates and amounts as the PDF: both come from domain/invoice-presentation.ts.
  const view = data ? presentInvoice(data) : null;
  const pdf = data ? { href: `/v1/orgs/${orgId}/invoices/${encodeURIComponent(data.id)}/pdf`, filename: `invoice-${data.number}.pdf` } : null;
  return (
    <DocumentPage heading="Invoice" what="The invoice" document={{ isPending: invoice.isPending, error: invoice.error, view }} pdf={pdf}>
      {view && <DocumentBody view={view} />}
      {data && <CreditNotesOfInvoice invoice={data} />}
    </DocumentPage>
  );
}

/** What refunds and card disputes did to a credit purchase, in a sentence. */
const REFUND_SENTENCES: Record<NonNullable<Invoice['refund_status']>, string> = {
  disputed: 'The cardholder disputed this charge with their bank. The unused credits it bought are frozen until the bank decides, and come back if the dispute is won.',
  refunded: 'This purchase was refunded in full.',
  partially_refunded: 'Part of this purchase was refunded.',
};

/** The refunds of a credit purchase, each a credit note with its own page, and an open dispute. */
function CreditNotesOfInvoice({ invoice }: { invoice: Invoice }) {
  const notes = invoice.credit_notes;
  if (notes.length === 0 && invoice.refund_status === null) return null;
  return (
    <section className="card" aria-labelledby="invoice-refunds-heading">
      <h2 id="invoice-refunds-heading">Refunds</h2>
      {invoice.refund_status && (
        <p className={invoice.refund_status === 'disputed' ? 'warning-note' : 'muted'} data-testid="invoice-refund-status">
          {REFUND_SENTENCES[invoice.refund_status]}
        </p>
      )}
      {notes.length > 0 && (
        <ul className="credit-notes">
          {notes.map((note) => (
            <li key={note.id}>
              <Link to={`/billing/credit-notes/${encodeURIComponent(note.id)}`}>Credit note {note.number}</Link>
              {` · ${formatInvoiceDate(note.issued_at)} · ${note.credits.toLocaleString('en-US')} credits taken back · ${formatMoney(note.total_cents, note.currency)} refunded`}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
