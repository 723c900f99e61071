import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, errorMessage } from '../../api.js';
import { useSession } from '../../auth.js';
import { cardLabel } from '../../cards.js';
import { formatDate, formatMoney } from '../../format.js';
import { refreshAfterMoneyChange, useOpenInvoices, usePaymentMethods } from '../../queries.js';
import type { Invoice, InvoiceSummary } from '../../types.js';

/** What the last "Pay now" did, in a sentence. */
interface PayOutcome {
  readonly paid: boolean;
  readonly message: string;
}

/**
 * The invoices waiting for money, at the top of Billing: without a card, the way to the card form
 * (adding the first card pays them in the same request); with one, "Pay now" for each.
 */
export function OpenInvoicesNotice() {
  const { orgId, isAdmin } = useSession();
  const queryClient = useQueryClient();
  const open = useOpenInvoices(orgId);
  const cards = usePaymentMethods(orgId, isAdmin);
  const [outcome, setOutcome] = useState<PayOutcome | null>(null);
  const pay = useMutation({
    mutationFn: (invoice: InvoiceSummary) => api<Invoice>('POST', `/v1/orgs/${orgId}/invoices/${encodeURIComponent(invoice.id)}/pay`),
    onMutate: () => setOutcome(null),
    onSuccess: (invoice) => setOutcome({ paid: true, message: `Invoice ${invoice.number} is paid.` }),
    onError: (error) => setOutcome({ paid: false, message: errorMessage(error) ?? 'The payment did not go through; the invoice is still open.' }),
    onSettled: () => refreshAfterMoneyChange(queryClient, orgId),
  });

  const invoices = open.data ?? [];
  if (invoices.length === 0 && !outcome) return null;
  const defaultCard = cards.data?.items.find((card) => card.default);

  return (
    <section className="card money-notice" aria-labelledby="open-invoices-heading">
      <h2 id="open-invoices-heading">{invoices.length > 0 ? 'Payment due' : 'Payment'}</h2>
      {invoices.length > 0 && !isAdmin && (
        <p>
          {invoices.length === 1 ? `Invoice ${invoiceName(invoices[0]!)} is` : `Invoices ${listNames(invoices)} are`} waiting for payment. An admin of
          your organization can pay {invoices.length === 1 ? 'it' : 'them'} here in Billing.
        </p>
      )}
      {invoices.length > 0 && isAdmin && cards.data && !defaultCard && (
        <div className="row notice-row">
          <p>
            Add a card to pay {invoices.length === 1 ? 'invoice' : 'invoices'} {listNames(invoices)}. It is charged as soon as the card is saved.
          </p>
          <button type="button" className="primary" onClick={focusCardForm}>
            Add a card
          </button>
        </div>
      )}
      {invoices.length > 0 && isAdmin && defaultCard && (
        <>
          <ul className="open-invoices" aria-label="Open invoices">
            {invoices.map((invoice) => (
              <li key={invoice.id}>
                <span>
                  Invoice {invoiceName(invoice)}, issued {formatDate(invoice.issued_at)}, is not paid yet.
                </span>
                <button type="button" className="primary" disabled={pay.isPending} onClick={() => pay.mutate(invoice)}>
                  {pay.isPending && pay.variables?.id === invoice.id ? 'Paying…' : 'Pay now'}
                </button>
              </li>
            ))}
          </ul>
          <p className="muted">Pay now charges your default card, {cardLabel(defaultCard)}.</p>
        </>
      )}
      {outcome && (
        <p className={outcome.paid ? 'success' : 'error'} role={outcome.paid ? 'status' : 'alert'}>
          {outcome.message}
        </p>
      )}
    </section>
  );
}

/** "LB-000123 ($49.00)". */
function invoiceName(invoice: InvoiceSummary): string {
  return `${invoice.number} (${formatMoney(invoice.total_cents, invoice.currency)})`;
}

/** "LB-000123 ($49.00)", "LB-000123 ($49.00) and LB-000124 ($10.00)", "A, B and C". */
function listNames(invoices: readonly InvoiceSummary[]): string {
  const names = invoices.map(invoiceName);
  return names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} and ${names.at(-1)!}`;
}

/** Takes the admin to the card form of Payment Methods, its first field focused. */
function focusCardForm() {
  const field = document.querySelector<HTMLElement>('#payment-methods input, #payment-methods iframe');
  if (field) {
    field.focus();
    field.scrollIntoView({ block: 'center' });
  } else {
    document.getElementById('payment-methods')?.scrollIntoView({ block: 'start' });
  }
}
