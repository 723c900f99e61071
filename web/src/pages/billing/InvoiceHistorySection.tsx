import { Link, useNavigate } from 'react-router';
import { useSession } from '../../auth.js';
import { LoadFailed, Loading } from '../../components/Status.js';
import { keys, usePagedList } from '../../queries.js';
import type { InvoicePage } from '../../types.js';
import { BillingHistory } from './BillingHistory.js';
import { ShowOlderButton } from '../../components/ShowOlderButton.js';
import { invoicePath, statusTagClass } from './labels.js';
import { presentInvoiceSummary } from '../../../../src/domain/invoice-presentation.js';
import { ScrollRegion } from '../../components/ScrollRegion.js';

const INVOICE_PAGE_SIZE = 25;

/** The invoices, newest first and a page at a time, then the billing history; each opens its invoice. */
export function InvoiceHistorySection() {
  const { orgId } = useSession();
  const navigate = useNavigate();
  const invoices = usePagedList<InvoicePage>({ queryKey: keys.invoices(orgId), path: `/v1/orgs/${orgId}/invoices`, limit: INVOICE_PAGE_SIZE });

  const rows = (invoices.data?.pages.flatMap((page) => page.items) ?? []).sort(
    (a, b) => Date.parse(b.issued_at) - Date.parse(a.issued_at) || b.number.localeCompare(a.number),
  );

  return (
    <section className="card" aria-labelledby="invoice-history-heading">
      <h2 id="invoice-history-heading">Invoice History</h2>
      {invoices.isPending && <Loading />}
      {invoices.isError && <LoadFailed error={invoices.error} what="The invoices" />}
      {invoices.isSuccess && rows.length === 0 && <p className="muted">No invoices yet.</p>}
      {rows.length > 0 && (
        <ScrollRegion label="Invoices">
          <table className="invoices">
            <caption className="visually-hidden">Invoices, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Invoice</th>
                <th scope="col">Issue date</th>
                <th scope="col">Type</th>
                <th scope="col">Billing period</th>
                <th scope="col" className="num">
                  Total
                </th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((invoice) => {
                const view = presentInvoiceSummary(invoice);
                return (
                  // The whole row opens the invoice; its number is the link keyboards and screen readers use.
                  <tr key={invoice.id} className="clickable" onClick={() => navigate(invoicePath(invoice.id))}>
                    <td className="invoice-number nowrap">
                      <Link to={invoicePath(invoice.id)} onClick={(event) => event.stopPropagation()}>
                        {view.number}
                      </Link>
                    </td>
                    <td className="invoice-date nowrap">{view.issueDate}</td>
                    <td className="invoice-kind">{view.kind}</td>
                    <td className="invoice-period">{view.period}</td>
                    <td className="invoice-total num">{view.total.value}</td>
                    <td className="invoice-status">
                      <span className={statusTagClass(view.tone)}>{view.badge}</span>
                      {view.compactReceipt && <span className="receipt">{view.compactReceipt}</span>}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </ScrollRegion>
      )}
      <ShowOlderButton list={invoices} label="Show older invoices" />
      <BillingHistory />
    </section>
  );
}
