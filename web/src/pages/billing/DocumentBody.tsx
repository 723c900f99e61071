import { Fragment, type ReactNode } from 'react';
import { Link } from 'react-router';
import { LoadFailed, Loading } from '../../components/Status.js';
import { statusTagClass } from './labels.js';
import type { AddressBlockView, InvoiceView, LabelledValue } from '../../../../src/domain/invoice-presentation.js';
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

/**
 * An invoice's or a credit note's body: the summary with both addresses, then the lines, tax and
 * total. The words come from domain/invoice-presentation.ts, as in the PDF.
 */
export function DocumentBody({ view, linesHeading = 'Charges' }: { view: InvoiceView; linesHeading?: string }) {
  return (
    <>
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
          <h2 id="invoice-lines-heading">{linesHeading}</h2>
          <ScrollRegion label={linesHeading}>
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
    </>
  );
}

/**
 * An invoice's or a credit note's page: the way back to Billing, the title with its status badge and
 * Download PDF, then `children`. While the document loads, or when it cannot, a heading and why.
 */
export function DocumentPage(props: {
  heading: string;
  what: string;
  document: { isPending: boolean; error: unknown; view: InvoiceView | null };
  pdf: { href: string; filename: string } | null;
  children?: ReactNode;
}) {
  const { view } = props.document;
  return (
    <div className="invoice-page">
      <p>
        <Link to="/billing">Back to Billing</Link>
      </p>
      {view === null || props.pdf === null ? (
        <>
          <h1>{props.heading}</h1>
          {props.document.isPending ? <Loading /> : <LoadFailed error={props.document.error} what={props.what} />}
        </>
      ) : (
        <>
          <div className="invoice-head">
            <h1>{view.title}</h1>
            <span className={statusTagClass(view.tone)}>{view.badge}</span>
            <a className="button primary" href={props.pdf.href} download={props.pdf.filename}>
              Download PDF
            </a>
          </div>
          {props.children}
        </>
      )}
    </div>
  );
}
