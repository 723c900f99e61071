import { Link, useParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { api, errorMessage } from '../api.js';
import { useSession } from '../auth.js';
import { formatCredits, formatDate, formatMoney } from '../format.js';
import { formatPeriod, invoiceKindLabel, invoiceStatusLabel, type InvoiceSummary } from './Billing.js';

interface Address {
  name: string;
  country: string;
  region?: string;
  postal_code?: string;
  line1?: string;
  city?: string;
  vat_id?: string | null;
}

interface Invoice extends InvoiceSummary {
  plan: { id: string; name: string; base_price_cents: number };
  seller: Address;
  billing_address: Address;
  lines: { kind: 'subscription' | 'credit_purchase' | 'overage' | 'proration' | 'adjustment'; description: string; quantity: number; unit_price_cents: number; amount_cents: number }[];
  tax: { name: string; rate_bps: number; amount_cents: number }[];
  tax_note: string | null;
}

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

/** Invoice details: period, plan, lines, tax and total, with the PDF. */
export function InvoiceDetailPage() {
  const { orgId } = useSession();
  const { invoiceId = '' } = useParams();
  const invoice = useQuery({
    queryKey: ['billing', orgId, 'invoice', invoiceId],
    queryFn: () => api<Invoice>('GET', `/v1/orgs/${orgId}/invoices/${encodeURIComponent(invoiceId)}`),
  });
  const back = (
    <p>
      <Link to="/billing">Back to Billing</Link>
    </p>
  );

  if (invoice.isPending) {
    return (
      <div className="invoice-page">
        {back}
        <h1>Invoice</h1>
        <p className="loading" role="status">Loading…</p>
      </div>
    );
  }
  if (invoice.isError) {
    return (
      <div className="invoice-page">
        {back}
        <h1>Invoice</h1>
        <p className="error" role="alert">The invoice could not be loaded: {errorMessage(invoice.error)}</p>
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
        <span className={`tag${data.status === 'paid' ? ' tag-ok' : data.status === 'open' ? ' tag-warn' : ''}`}>{invoiceStatusLabel(data.status)}</span>
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
        <div className="table-scroll">
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
              <tr>
                <th scope="row" colSpan={3}>
                  Subtotal
                </th>
                <td className="num">{money(data.subtotal_cents)}</td>
              </tr>
              {data.tax.map((tax, index) => (
                <tr key={index}>
                  <th scope="row" colSpan={3}>
                    {tax.name} {formatRate(tax.rate_bps)}
                  </th>
                  <td className="num">{money(tax.amount_cents)}</td>
                </tr>
              ))}
              {data.tax.length === 0 && (
                <tr>
                  <th scope="row" colSpan={3}>
                    Tax
                  </th>
                  <td className="num">{money(data.tax_cents)}</td>
                </tr>
              )}
              <tr className="total">
                <th scope="row" colSpan={3}>
                  Total charged
                </th>
                <td className="num">{money(data.total_cents)}</td>
              </tr>
            </tfoot>
          </table>
        </div>
        {data.tax_note && <p className="tax-note">{data.tax_note}</p>}
      </section>
    </div>
  );
}
