import { Fragment } from 'react';
import { Link, useParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { api } from '../../api.js';
import { useSession } from '../../auth.js';
import { LoadFailed, Loading } from '../../components/Status.js';
import { keys } from '../../queries.js';
import type { Invoice } from '../../types.js';
import { presentInvoice, type AddressBlockView, type LabelledValue } from '../../../../src/domain/invoice-presentation.js';
import { statusTagClass } from './labels.js';
import { ScrollRegion } from '../../components/ScrollRegion.js';

function AddressBlock({ block }: { block: AddressBlockView }) {
  return (
    <div>
      <h3>{block.title}</h3>
      <address>
        {block.lines.map((line, index) => (
          <Fragment key={index}>
            {index > 0 && <br />}
            {line}
          </Fragment>
        ))}
      </address>
    </div>
  );
}

/** A line under the charges: subtotal, a tax, or the total. */
function SumRow({ row, total = false }: { row: LabelledValue; total?: boolean }) {
  return (
    <tr className={total ? 'total' : undefined}>
      <th scope="row" colSpan={3}>
        {row.label}
      </th>
      <td className="num">{row.value}</td>
    </tr>
  );
}

/** Invoice details: period, plan, lines, tax and total, with the PDF. */
export function InvoiceDetailPage() {
  const { orgId } = useSession();
  const { invoiceId = '' } = useParams();
  const invoice = useQuery({
    queryKey: keys.invoice(orgId, invoiceId),
    queryFn: () => api<Invoice>('GET', `/v1/orgs/${orgId}/invoices/${encodeURIComponent(invoiceId)}`),
  });
  const back = (
    <p>
      <Link to="/billing">Back to Billing</Link>
    </p>
  );

  if (invoice.isPending || invoice.isError) {
    return (
      <div className="invoice-page">
        {back}
        <h1>Invoice</h1>
        {invoice.isPending ? <Loading /> : <LoadFailed error={invoice.error} what="The invoice" />}
      </div>
    );
  }

  const data = invoice.data;
  // The same words, dates and amounts as the PDF: both come from domain/invoice-presentation.ts.
  const view = presentInvoice(data);
  return (
    <div className="invoice-page">
      {back}
      <div className="invoice-head">
        <h1>{view.title}</h1>
        <span className={statusTagClass(view.tone)}>{view.badge}</span>
        <a className="button primary" href={`/v1/orgs/${orgId}/invoices/${encodeURIComponent(data.id)}/pdf`} download={`invoice-${data.number}.pdf`}>
          Download PDF
        </a>
      </div>

      <section className="card" aria-labelledby="invoice-summary-heading">
        <h2 id="invoice-summary-heading">Summary</h2>
        <dl className="facts">
          {view.facts.map((fact) => (
            <Fragment key={fact.label}>
              <dt>{fact.label}</dt>
              <dd>{fact === view.total ? <strong>{fact.value}</strong> : fact.value}</dd>
            </Fragment>
          ))}
        </dl>
        <div className="addresses">
          <AddressBlock block={view.seller} />
          <AddressBlock block={view.billTo} />
        </div>
      </section>

      <section className="card" aria-labelledby="invoice-lines-heading">
        <h2 id="invoice-lines-heading">Charges</h2>
        <ScrollRegion label="Charges">
          <table className="invoice-lines">
            <thead>
              <tr>
                <th scope="col">{view.columns.description}</th>
                <th scope="col" className="num">
                  {view.columns.quantity}
                </th>
                <th scope="col" className="num">
                  {view.columns.unitPrice}
                </th>
                <th scope="col" className="num">
                  {view.columns.amount}
                </th>
              </tr>
            </thead>
            <tbody>
              {view.lines.length === 0 && (
                <tr>
                  <td colSpan={4} className="muted">
                    No charges on this invoice.
                  </td>
                </tr>
              )}
              {view.lines.map((line, index) => (
                <tr key={index}>
                  <td>{line.description}</td>
                  <td className="num">{line.quantity}</td>
                  <td className="num">{line.unitPrice}</td>
                  <td className="num">{line.amount}</td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <SumRow row={view.subtotal} />
              {view.taxRows.map((row, index) => (
                <SumRow key={index} row={row} />
              ))}
              <SumRow row={view.total} total />
            </tfoot>
          </table>
        </ScrollRegion>
        {view.receipt && (
          <p className="receipt" data-testid="invoice-receipt">
            {view.receipt}
          </p>
        )}
        {view.taxNote && <p className="tax-note">{view.taxNote}</p>}
      </section>
    </div>
  );
}
