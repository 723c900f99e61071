import { Link, useNavigate } from 'react-router';
import { useSession } from '../../auth.js';
import { LoadFailed, Loading } from '../../components/Status.js';
import { formatDate, formatMoney } from '../../format.js';
import { keys, usePagedList } from '../../queries.js';
import type { InvoicePage } from '../../types.js';
import { BillingHistory } from './BillingHistory.js';
import { ShowOlderButton } from './ShowOlderButton.js';
import { formatPeriod, invoiceKindLabel, invoicePath, invoiceStatusLabel, invoiceStatusTag } from './labels.js';
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
                <th scope="col">Date</th>
                <th scope="col">Type</th>
                <th scope="col">Billing period</th>
                <th scope="col" className="num">
                  Total
                </th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((invoice) => (
                // The whole row opens the invoice; its number is the link keyboards and screen readers use.
                <tr key={invoice.id} className="clickable" onClick={() => navigate(invoicePath(invoice.id))}>
                  <td className="nowrap">
                    <Link to={invoicePath(invoice.id)} onClick={(event) => event.stopPropagation()}>
                      {invoice.number}
                    </Link>
                  </td>
                  <td className="nowrap">{formatDate(invoice.issued_at)}</td>
                  <td>{invoiceKindLabel(invoice.kind)}</td>
                  <td className="nowrap">{formatPeriod(invoice.period_start, invoice.period_end)}</td>
                  <td className="num">{formatMoney(invoice.total_cents, invoice.currency)}</td>
                  <td>
                    <span className={invoiceStatusTag(invoice.status)}>{invoiceStatusLabel(invoice.status)}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      )}
      <ShowOlderButton list={invoices} label="Show older invoices" />
      <BillingHistory />
    </section>
  );
}
