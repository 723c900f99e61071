import { Link, useParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { api } from '../../api.js';
import { useSession } from '../../auth.js';
import { LoadFailed, Loading } from '../../components/Status.js';
import { keys } from '../../queries.js';
import type { CreditNote } from '../../types.js';
import { presentCreditNote } from '../../../../src/domain/invoice-presentation.js';
import { statusTagClass } from './labels.js';
import { DocumentBody } from './DocumentBody.js';

/** A credit note (issue 17): the credits a refund took back and the money paid back, with its PDF and the invoice it credits. */
export function CreditNotePage() {
  const { orgId } = useSession();
  const { creditNoteId = '' } = useParams();
  const note = useQuery({
    queryKey: keys.creditNote(orgId, creditNoteId),
    queryFn: () => api<CreditNote>('GET', `/v1/orgs/${orgId}/credit-notes/${encodeURIComponent(creditNoteId)}`),
  });
  const back = (
    <p>
      <Link to="/billing">Back to Billing</Link>
    </p>
  );
  if (note.isPending || note.isError) {
    return (
      <div className="invoice-page">
        {back}
        <h1>Credit note</h1>
        {note.isPending ? <Loading /> : <LoadFailed error={note.error} what="The credit note" />}
      </div>
    );
  }
  const data = note.data;
  // The same words, dates and amounts as the PDF: both come from domain/invoice-presentation.ts.
  const view = presentCreditNote(data);
  return (
    <div className="invoice-page">
      {back}
      <div className="invoice-head">
        <h1>{view.title}</h1>
        <span className={statusTagClass(view.tone)}>{view.badge}</span>
        <a className="button primary" href={`/v1/orgs/${orgId}/credit-notes/${encodeURIComponent(data.id)}/pdf`} download={`credit-note-${data.number}.pdf`}>
          Download PDF
        </a>
      </div>
      <p>
        It credits <Link to={`/billing/invoices/${encodeURIComponent(data.invoice_id)}`}>invoice {data.invoice_number}</Link>.
      </p>
      <DocumentBody view={view} linesHeading="What was refunded" />
    </div>
  );
}
