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
      {data && <CreditNotesOfInvoice notes={data.credit_notes} />}
    </DocumentPage>
  );
}

/** The refunds of a credit purchase, each a credit note with its own page. */
function CreditNotesOfInvoice({ notes }: { notes: Invoice['credit_notes'] }) {
  if (notes.length === 0) return null;
  return (
    <section className="card" aria-labelledby="invoice-refunds-heading">
      <h2 id="invoice-refunds-heading">Refunds</h2>
      <ul className="credit-notes">
        {notes.map((note) => (
          <li key={note.id}>
            <Link to={`/billing/credit-notes/${encodeURIComponent(note.id)}`}>Credit note {note.number}</Link>
            {` · ${formatInvoiceDate(note.issued_at)} · ${note.credits.toLocaleString('en-US')} credits taken back · ${formatMoney(note.total_cents, note.currency)} refunded`}
          </li>
        ))}
      </ul>
    </section>
  );
}
