import { Link, useParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { api } from '../../api.js';
import { useSession } from '../../auth.js';
import { LoadFailed, Loading } from '../../components/Status.js';
import { formatCredits, formatDate, formatMoney } from '../../format.js';
import { keys } from '../../queries.js';
import type { Address, Invoice } from '../../types.js';
import { formatPeriod, invoiceKindLabel, invoiceStatusLabel, invoiceStatusTag } from './labels.js';
import { ScrollRegion } from '../../components/ScrollRegion.js';

/** 400 basis points → "4%", 825 → "8.25%". */
function formatRate(bps: number): string {
  return `${(bps / 100).toLocaleString('en-US', { maximumFractionDigits: 3 })}%`;
}

function AddressBlock({ address }: { address: Address }) {
  const cityLine = [address.city, address.region, address.postal_code].filter(Boolean).join(', ');
  return (
    <address>
      {address.name && (
        <>
          {address.name}
          <br />
        </>
      )}
      {address.line1 && (
        <>
          {address.line1}
          <br />
        </>
      )}
      {cityLine && (
        <>
          {cityLine}
          <br />
        </>
      )}
      {address.country}
      {address.vat_id && (
        <>
          <br />
          VAT ID: {address.vat_id}
        </>
      )}
    </address>
  );
}

/** A line under the charges: subtotal, a tax, or the total. */
function SumRow({ label, amount, total = false }: { label: string; amount: string; total?: boolean }) {
  return (
    <tr className={total ? 'total' : undefined}>
      <th scope="row" colSpan={3}>
        {label}
      </th>
      <td className="num">{amount}</td>
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
  const money = (cents: number) => formatMoney(cents, data.currency);
  return (
    <div className="invoice-page">
      {back}
      <div className="invoice-head">
        <h1>Invoice {data.number}</h1>
        <span className={invoiceStatusTag(data.status)}>{invoiceStatusLabel(data.status)}</span>
        <a className="button primary" href={`/v1/orgs/${orgId}/invoices/${encodeURIComponent(data.id)}/pdf`} download={`invoice-${data.number}.pdf`}>
          Download PDF
        </a>
      </div>

      <section className="card" aria-labelledby="invoice-summary-heading">
        <h2 id="invoice-summary-heading">Summary</h2>
        <dl className="facts">
          <dt>Invoice number</dt>
          <dd>{data.number}</dd>
          <dt>Type</dt>
          <dd>{invoiceKindLabel(data.kind)}</dd>
          <dt>Issued</dt>
          <dd>{formatDate(data.issued_at)}</dd>
          <dt>Status</dt>
          <dd>
            {invoiceStatusLabel(data.status)}
            {data.paid_at && ` on ${formatDate(data.paid_at)}`}
          </dd>
          <dt>Billing period</dt>
          <dd>{formatPeriod(data.period_start, data.period_end)}</dd>
          <dt>Subscription plan</dt>
          <dd>
            {data.plan.name} — base cost {money(data.plan.base_price_cents)}
          </dd>
          <dt>Total</dt>
          <dd>
            <strong>{money(data.total_cents)}</strong>
          </dd>
        </dl>
        <div className="addresses">
          <div>
            <h3>From</h3>
            <AddressBlock address={data.seller} />
          </div>
          <div>
            <h3>Billed to</h3>
            <AddressBlock address={data.billing_address} />
          </div>
        </div>
      </section>

      <section className="card" aria-labelledby="invoice-lines-heading">
        <h2 id="invoice-lines-heading">Charges</h2>
        <ScrollRegion label="Charges">
          <table className="invoice-lines">
            <thead>
              <tr>
                <th scope="col">Description</th>
                <th scope="col" className="num">
                  Quantity
                </th>
                <th scope="col" className="num">
                  Unit price
                </th>
                <th scope="col" className="num">
                  Amount
                </th>
              </tr>
            </thead>
            <tbody>
              {data.lines.length === 0 && (
                <tr>
                  <td colSpan={4} className="muted">
                    No charges on this invoice.
                  </td>
                </tr>
              )}
              {data.lines.map((line, index) => (
                <tr key={index}>
                  <td>{line.description}</td>
                  <td className="num">{formatCredits(line.quantity)}</td>
                  <td className="num">{money(line.unit_price_cents)}</td>
                  <td className="num">{money(line.amount_cents)}</td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <SumRow label="Subtotal" amount={money(data.subtotal_cents)} />
              {data.tax.map((tax, index) => (
                <SumRow key={index} label={`${tax.name} ${formatRate(tax.rate_bps)}`} amount={money(tax.amount_cents)} />
              ))}
              {data.tax.length === 0 && <SumRow label="Tax" amount={money(data.tax_cents)} />}
              <SumRow label="Total charged" amount={money(data.total_cents)} total />
            </tfoot>
          </table>
        </ScrollRegion>
        {data.tax_note && <p className="tax-note">{data.tax_note}</p>}
      </section>
    </div>
  );
}
