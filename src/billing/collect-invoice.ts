import { findDefaultPaymentMethod } from '../db/payment-methods.js';
import { findInvoice, hasOpenInvoice, insertPayment, listDueInvoicesOf, lockInvoice, setNextCollectionAttempt, updateInvoice } from '../db/invoices.js';
import { changeSubscriptionStatus } from '../db/subscriptions.js';
import { Failure } from '../domain/failures.js';
import { publishEvent } from '../notifications/publish.js';
import { ProviderUnavailable, type ChargeOutcome } from '../providers/payments.js';
import { recordAudit } from '../audit/record-audit.js';
import type { BillingDeps } from './deps.js';
import { newId } from '../domain/ids.js';
import { ensureCustomer } from './provider-customer.js';
import { formatInvoiceNumber } from './issue-invoice.js';
import { logOrgJobFailure, type OrgJobFailureLog } from './for-each-org.js';

const DAY_MS = 86_400_000;

/**
 * When to try again after the n-th failed attempt: after 1, 3 and 5 days; after the fourth failure
 * the invoice stays open without further automatic attempts (a new default card retries at once).
 */
export const RETRY_DELAYS_DAYS = [1, 3, 5] as const;

export function nextAttemptAfter(failures: number, now: Date): Date | null {
  const days = RETRY_DELAYS_DAYS[failures - 1];
  return days === undefined ? null : new Date(now.getTime() + days * DAY_MS);
}

/**
 * Charges an open invoice to the org's default card, outside any lock. Without a card nothing is
 * tried: the invoice stays open, waiting for one (no failed payment, the subscription unchanged); the outcome is recorded
 * under the invoice's row lock. The provider key names the attempt, so a crash between the charge
 * and the record repeats the same attempt instead of charging again.
 */
export type CollectionResult = 'paid' | 'failed' | 'skipped' | 'awaiting_card';

export async function collectInvoice(deps: BillingDeps, input: { orgId: string; invoiceId: string }): Promise<CollectionResult> {
  const found = await findInvoice(deps.db, input.orgId, input.invoiceId);
  const now = deps.clock.now();
  if (!found || found.invoice.status !== 'open' || found.invoice.next_attempt_at === null || found.invoice.next_attempt_at > now) return 'skipped';
  const { invoice } = found;
  const attempt = invoice.attempts + 1;
  const card = await findDefaultPaymentMethod(deps.db, input.orgId);
  if (!card) {
    // Nothing was tried, so nothing failed: the invoice waits for a card (adding one collects it).
    await setNextCollectionAttempt(deps.db, { orgId: input.orgId, invoiceId: invoice.invoice_id, at: null });
    return 'awaiting_card';
  }
  let outcome: ChargeOutcome;
  try {
    outcome = await deps.provider.charge({
      customerId: await ensureCustomer(deps, input.orgId),
      providerRef: card.provider_ref,
      amountCents: invoice.total_cents,
      currency: invoice.currency,
      idempotencyKey: `invoice:${invoice.invoice_id}:attempt:${attempt}`,
      description: `Invoice ${formatInvoiceNumber(invoice.number)}`,
      metadata: { loupe_org_id: input.orgId, loupe_invoice_id: invoice.invoice_id },
    });
  } catch (error) {
    if (error instanceof ProviderUnavailable) return 'skipped';
    throw error;
  }
  const recorded = await settleInvoicePayment(deps, { orgId: input.orgId, invoiceId: invoice.invoice_id, attempt, outcome, paymentMethodId: card.payment_method_id });
  return recorded ?? 'skipped';
}

/**
 * Records a payment outcome for an open invoice, once: paid, or failed with the next attempt
 * scheduled, the subscription past due and a `payment.failed` event. `attempt` null = a provider
 * event, which applies whatever attempt it belongs to.
 */
export async function settleInvoicePayment(
  deps: BillingDeps,
  input: { orgId: string; invoiceId: string; attempt: number | null; outcome: ChargeOutcome; paymentMethodId?: string | null },
): Promise<'paid' | 'failed' | null> {
  return deps.db.transaction().execute(async (tx) => {
    const invoice = await lockInvoice(tx, input.orgId, input.invoiceId);
    if (!invoice || invoice.status !== 'open') return null;
    if (input.attempt !== null && invoice.attempts !== input.attempt - 1) return null;
    const now = deps.clock.now();
    const { outcome } = input;
    await insertPayment(tx, {
      orgId: input.orgId,
      paymentId: newId('pay'),
      invoiceId: invoice.invoice_id,
      purchaseId: null,
      provider: deps.provider.name,
      providerPaymentId: outcome.providerPaymentId,
      amountCents: invoice.total_cents,
      currency: invoice.currency,
      status: outcome.status,
      failureCode: outcome.status === 'failed' ? outcome.failureCode : null,
      paymentMethodId: input.paymentMethodId ?? null,
      now,
    });
    if (outcome.status === 'succeeded') {
      await updateInvoice(tx, input.orgId, invoice.invoice_id, { status: 'paid', paid_at: now, next_attempt_at: null, attempts: invoice.attempts + 1 });
      if (!(await hasOpenInvoice(tx, input.orgId))) await changeSubscriptionStatus(tx, { orgId: input.orgId, from: 'past_due', to: 'active' });
      return 'paid';
    }
    const failures = invoice.attempts + 1;
    await updateInvoice(tx, input.orgId, invoice.invoice_id, { attempts: failures, next_attempt_at: nextAttemptAfter(failures, now), last_failure_code: outcome.failureCode });
    await changeSubscriptionStatus(tx, { orgId: input.orgId, from: 'active', to: 'past_due' });
    await publishEvent(tx, {
      orgId: input.orgId,
      type: 'payment.failed',
      data: { invoice_id: invoice.invoice_id, number: formatInvoiceNumber(invoice.number), failure_code: outcome.failureCode, amount_cents: invoice.total_cents, attempt: failures },
      now,
    }, deps);
    return 'failed';
  });
}

/**
 * Collects the org's open invoices that are due, in the request that made them due (a new default
 * card), so the answer already shows them paid. A collection that throws is logged and left due: the
 * card is saved all the same, and the billing jobs try again.
 */
export async function collectDueInvoices(deps: BillingDeps, orgId: string, log: OrgJobFailureLog = logOrgJobFailure): Promise<void> {
  const due = await listDueInvoicesOf(deps.db, orgId, deps.clock.now());
  for (const { invoice_id: invoiceId } of due) {
    try {
      await collectInvoice(deps, { orgId, invoiceId });
    } catch (error) {
      log({ job: 'invoice collection', orgId, error });
    }
  }
}

/** "Pay now": charges one open invoice to the default card at once (API: POST …/invoices/{id}/pay). */
export async function payInvoiceNow(deps: BillingDeps, input: { orgId: string; invoiceId: string }): Promise<CollectionResult> {
  const found = await findInvoice(deps.db, input.orgId, input.invoiceId);
  if (!found) throw new Failure('INVOICE_NOT_FOUND', `There is no invoice ${input.invoiceId} in this organization.`);
  if (found.invoice.status !== 'open') throw new Failure('INVOICE_NOT_OPEN', `Invoice ${formatInvoiceNumber(found.invoice.number)} is ${found.invoice.status === 'paid' ? 'paid already' : 'void'}.`);
  if (!(await findDefaultPaymentMethod(deps.db, input.orgId))) throw new Failure('NO_PAYMENT_METHOD', 'Add a card first: the invoice is charged to the default card.');
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (tx) => {
    await setNextCollectionAttempt(tx, { orgId: input.orgId, invoiceId: input.invoiceId, at: now });
    const invoice = { number: formatInvoiceNumber(found.invoice.number), total_cents: found.invoice.total_cents };
    await recordAudit(tx, { orgId: input.orgId, action: 'invoice.pay_requested', target: input.invoiceId, after: invoice, now });
  });
  return collectInvoice(deps, input);
}
