import type { ReactNode } from 'react';
import { useSession } from '../../auth.js';
import { LoadFailed, Loading } from '../../components/Status.js';
import { formatCredits, formatDate, formatMoney } from '../../format.js';
import { useOrg, useUpcomingInvoice } from '../../queries.js';
import type { Org, UpcomingInvoice } from '../../types.js';

type Line = UpcomingInvoice['lines'][number];

/**
 * The next invoice as it stands now: the next period's base price, the prorations of upgrades, the
 * on-demand usage so far, the estimated tax and the total, and the day it is billed.
 */
export function UpcomingInvoiceSection() {
  const { orgId } = useSession();
  const upcoming = useUpcomingInvoice(orgId);
  const org = useOrg(orgId);
  return (
    <section className="card upcoming-invoice" aria-labelledby="upcoming-invoice-heading">
      <h2 id="upcoming-invoice-heading">Upcoming invoice</h2>
      {(upcoming.isPending || org.isPending) && <Loading />}
      {upcoming.isError && <LoadFailed error={upcoming.error} what="The upcoming invoice" />}
      {upcoming.data === null && org.data && <p>{nothingToBill(org.data)}</p>}
      {upcoming.data && <Draft invoice={upcoming.data} />}
    </section>
  );
}

function nothingToBill(org: Org): string {
  if (org.subscription.status === 'canceled') return 'Your subscription has ended; nothing more will be billed.';
  return `Your subscription ends on ${formatDate(org.subscription.current_period_end)}; nothing more will be billed.`;
}

function Draft({ invoice }: { invoice: UpcomingInvoice }) {
  const money = (cents: number) => formatMoney(cents, invoice.currency);
  const hasOverage = invoice.lines.some((line) => line.kind === 'overage');
  return (
    <>
      <p className="billing-date">
        <strong>Billed on {formatDate(invoice.billing_date)}</strong>
      </p>
      <table className="upcoming-lines">
        <caption className="visually-hidden">The upcoming invoice, line by line</caption>
        <thead className="visually-hidden">
          <tr>
            <th scope="col">Charge</th>
            <th scope="col">Amount</th>
          </tr>
        </thead>
        <tbody>
          {invoice.lines.map((line, index) => (
            <Row key={index} label={lineLabel(line, invoice)} amount={money(line.amount_cents)} />
          ))}
          {!hasOverage && <Row label="On-demand usage so far: none" amount={money(0)} />}
        </tbody>
        <tfoot>
          <Row label="Subtotal" amount={money(invoice.subtotal_cents)} />
          {invoice.tax.map((tax, index) => (
            <Row key={index} label={`${tax.name} ${formatRate(tax.rate_bps)}, estimated`} amount={money(tax.amount_cents)} />
          ))}
          {invoice.tax.length === 0 && <Row label="Tax, estimated" amount={money(invoice.tax_cents)} />}
          <Row label="Estimated total" amount={money(invoice.total_cents)} total />
        </tfoot>
      </table>
      {invoice.tax_note && <p className="muted">{invoice.tax_note}</p>}
      <p className="muted">On-demand usage and tax are counted until the invoice is issued, so the total can still change.</p>
    </>
  );
}

function Row({ label, amount, total = false }: { label: ReactNode; amount: string; total?: boolean }) {
  return (
    <tr className={total ? 'total' : undefined}>
      <th scope="row">{label}</th>
      <td className="num">{amount}</td>
    </tr>
  );
}

/** Each line in words: the plan and its period, the on-demand credits and their price, or the server's description. */
function lineLabel(line: Line, invoice: UpcomingInvoice): string {
  if (line.kind === 'subscription') return `${invoice.plan.name} plan, the period starting ${formatDate(invoice.period_start)}`;
  if (line.kind === 'overage') {
    return `On-demand usage so far: ${formatCredits(line.quantity)} credits at ${formatMoney(line.unit_price_cents, invoice.currency)} each`;
  }
  return line.description;
}

/** 725 basis points → "7.25%". */
function formatRate(bps: number): string {
  return `${(bps / 100).toLocaleString('en-US', { maximumFractionDigits: 3 })}%`;
}
