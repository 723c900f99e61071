import { Link, useParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { api } from '../../api.js';
import { useSession } from '../../auth.js';
import { keys } from '../../queries.js';
import type { CreditNote } from '../../types.js';
import { presentCreditNote } from '../../../../src/domain/invoice-presentation.js';
import { DocumentBody, DocumentPage } from './DocumentBody.js';

/** A credit note (issue 17): the credits a refund took back and the money paid back, with its PDF and the invoice it credits. */
export function CreditNotePage() {
  const { orgId } = useSession();
  const { creditNoteId = '' } = useParams();
  const note = useQuery({
    queryKey: keys.creditNote(orgId, creditNoteId),
    queryFn: () => api<CreditNote>('GET', `/v1/orgs/${orgId}/credit-notes/${encodeURIComponent(creditNoteId)}`),
  });
  const data = note.data;
  // The same words, dates and amounts as the PDF: both come from domain/invoice-presentation.ts.
  const view = data ? presentCreditNote(data) : null;
  const pdf = data ? { href: `/v1/orgs/${orgId}/credit-notes/${encodeURIComponent(data.id)}/pdf`, filename: `credit-note-${data.number}.pdf` } : null;
  return (
    <DocumentPage heading="Credit note" what="The credit note" document={{ isPending: note.isPending, error: note.error, view }} pdf={pdf}>
      {data && (
        <p>
          It credits <Link to={`/billing/invoices/${encodeURIComponent(data.invoice_id)}`}>invoice {data.invoice_number}</Link>.
        </p>
      )}
      {view && <DocumentBody view={view} linesHeading="What was refunded" />}
    </DocumentPage>
  );
}
