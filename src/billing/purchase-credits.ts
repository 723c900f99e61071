import { createHash } from 'node:crypto';
import type { PurchaseStanding } from '../db/refunds.js';
import { refundStatus, type RefundStatus } from '../domain/refunds.js';
import { findPurchaseByKey, insertPurchase, lockPurchase, updatePurchase, type PurchaseRow } from '../db/purchases.js';
import { insertPayment, linkPurchasePayment } from '../db/invoices.js';
import { publishEvent } from '../notifications/publish.js';
import { loadOrgTerms } from './org-terms.js';
import { addGrant } from '../domain/ledger.js';
import { assertInvariant } from '../domain/assert.js';
import { Failure } from '../domain/failures.js';
import { priceCreditPurchase, purchaseRangeProblem, type PurchaseTerms } from '../domain/credit-purchase.js';
import { ProviderUnavailable, type ChargeOutcome } from '../providers/payments.js';
import type { BillingDeps } from './deps.js';
import { newId } from '../domain/ids.js';
import { issueInvoice, taxParties } from './issue-invoice.js';
import { withOrgLedger } from './org-ledger.js';
import { maintainOrg } from './maintain-org.js';
import { cardToCharge } from './payment-methods.js';
import { ensureCustomer } from './provider-customer.js';
import { recordAudit } from '../audit/record-audit.js';
import { termsOf } from '../ledger/rollover.js';

export interface PurchaseInput {
  readonly orgId: string;
  readonly credits: number;
  readonly paymentMethodId?: string | undefined;
  readonly idempotencyKey: string;
  readonly autoRecharge?: boolean;
}

export interface PurchaseView {
  readonly id: string;
  readonly credits: number;
  readonly unit_price_cents: number;
  readonly amount_cents: number;
  readonly tax_cents: number;
  readonly total_cents: number;
  readonly currency: string;
  readonly status: 'succeeded' | 'pending' | 'failed';
  readonly invoice_id: string | null;
  readonly failure_code: string | null;
  readonly created_at: string;
  /** Credits refunded so far (issue 17, lost disputes included), and what refunds and disputes make the purchase. */
  readonly refunded_credits: number;
  readonly refund_status: RefundStatus | null;
  /** The latest card dispute of its charge: open (its credits frozen), won or lost; null when none. */
  readonly dispute_status: 'open' | 'won' | 'lost' | null;
}

/** A purchase as the API shows it; `standing` (db/refunds.ts) says what refunds and disputes did to it. */
export function purchaseView(row: PurchaseRow, standing?: PurchaseStanding): PurchaseView {
  const refundedCredits = standing?.refundedCredits ?? 0;
  return {
    id: row.purchase_id,
    credits: row.credits,
    unit_price_cents: row.unit_price_cents,
    amount_cents: row.amount_cents,
    tax_cents: row.tax_cents,
    total_cents: row.total_cents,
    currency: row.currency,
    status: row.status,
    invoice_id: row.invoice_id,
    failure_code: row.failure_code,
    created_at: row.created_at.toISOString(),
    refunded_credits: refundedCredits,
    refund_status: standing ? refundStatus(standing) : null,
    dispute_status: standing?.dispute ?? null,
  };
}

/** How long a duplicate request waits for the first one to finish before answering "pending". */
const DUPLICATE_WAIT_MS = 15_000;

/**
 * Buys credits (SPEC §7): whole credits within the plan's or contract's limits, charged to a saved
 * card through the provider, granted as non-expiring purchased credits only after the payment
 * succeeded, in the same transaction that records the payment, with an invoice of its own. The
 * idempotency key is taken before the charge, so a retried or simultaneous duplicate request never
 * charges twice: it waits for and answers the first one's outcome.
 */
export async function purchaseCredits(deps: BillingDeps, input: PurchaseInput): Promise<{ replayed: boolean; purchase: PurchaseView }> {
  // The term may have ended since the org's last transaction: apply what is due before deciding,
  // or a canceled org would be charged and credited.
  await maintainOrg(deps, input.orgId);
  const loaded = await loadOrgTerms(deps, input.orgId);
  const { terms } = loaded;
  checkRange(input.credits, terms);
  if (loaded.subscription.status === 'canceled') throw new Failure('SUBSCRIPTION_INACTIVE', 'Resubscribe before buying credits.');
  const requestHash = createHash('sha256').update(JSON.stringify([input.credits, input.paymentMethodId ?? null])).digest('hex');
  const previous = await findPurchaseByKey(deps.db, input.orgId, input.idempotencyKey);
  if (previous) return { replayed: true, purchase: await answerDuplicate(deps, previous, requestHash) };

  const card = await cardToCharge(deps.db, input.orgId, input.paymentMethodId);
  const price = priceCreditPurchase({ credits: input.credits, terms, tax: taxParties(deps, loaded.org) });
  const now = deps.clock.now();
  const purchaseId = newId('cp');
  const purchaseRow = {
    org_id: input.orgId,
    purchase_id: purchaseId,
    idempotency_key: input.idempotencyKey,
    request_hash: requestHash,
    credits: input.credits,
    unit_price_cents: price.unitPriceCents,
    amount_cents: price.amountCents,
    tax_cents: price.taxCents,
    total_cents: price.totalCents,
    currency: price.currency,
    status: 'pending' as const,
    failure_code: null,
    payment_method_id: card.payment_method_id,
    provider_payment_id: null,
    invoice_id: null,
    grant_id: null,
    auto_recharge: input.autoRecharge ?? false,
    created_at: now,
    updated_at: now,
  };
  const inserted = await deps.db.transaction().execute(async (tx) => {
    const row = await insertPurchase(tx, purchaseRow);
    if (!row) return undefined;
    await recordAudit(tx, {
      orgId: input.orgId,
      action: 'purchase.created',
      target: purchaseId,
      after: { credits: input.credits, total_cents: purchaseRow.total_cents, currency: purchaseRow.currency, auto_recharge: purchaseRow.auto_recharge, payment_method_id: card.payment_method_id },
      now,
    });
    return row;
  });
  if (!inserted) {
    const winner = await findPurchaseByKey(deps.db, input.orgId, input.idempotencyKey);
    assertInvariant(winner !== undefined, 'a purchase key conflicted with no row');
    return { replayed: true, purchase: await answerDuplicate(deps, winner, requestHash) };
  }
  const customerId = await ensureCustomer(deps, input.orgId);
  let outcome: ChargeOutcome;
  try {
    outcome = await deps.provider.charge({
      customerId,
      providerRef: card.provider_ref,
      amountCents: inserted.total_cents,
      currency: inserted.currency,
      idempotencyKey: `purchase:${inserted.purchase_id}`,
      description: `${input.credits.toLocaleString('en-US')} AI credits`,
      metadata: { loupe_org_id: input.orgId, loupe_purchase_id: inserted.purchase_id },
    });
  } catch (error) {
    // The charge may or may not have happened: the purchase stays pending until the provider's
    // event (or a retry with the same key, which reuses the provider's idempotency key) settles it.
    if (error instanceof ProviderUnavailable) return { replayed: false, purchase: purchaseView(inserted) };
    throw error;
  }
  return { replayed: false, purchase: await settlePurchase(deps, { orgId: input.orgId, purchaseId: inserted.purchase_id, outcome }) };
}

/** The price of a purchase before it is made: amount, tax by the billing address, total. */
export async function quotePurchase(deps: BillingDeps, input: { orgId: string; credits: number }) {
  const loaded = await loadOrgTerms(deps, input.orgId);
  const { terms } = loaded;
  checkRange(input.credits, terms);
  const price = priceCreditPurchase({ credits: input.credits, terms, tax: taxParties(deps, loaded.org) });
  return {
    credits: price.credits,
    unit_price_cents: price.unitPriceCents,
    amount_cents: price.amountCents,
    tax_cents: price.taxCents,
    total_cents: price.totalCents,
    currency: price.currency,
    tax: price.taxLines,
    tax_note: price.taxNote,
    min_credits: terms.purchaseMinCredits,
    max_credits: terms.purchaseMaxCredits,
  };
}

function checkRange(credits: number, terms: PurchaseTerms): void {
  if (purchaseRangeProblem(credits, terms) !== null) {
    const message = `must be a whole number from ${terms.purchaseMinCredits.toLocaleString('en-US')} to ${terms.purchaseMaxCredits.toLocaleString('en-US')}`;
    throw new Failure('PURCHASE_OUT_OF_RANGE', `Credits ${message} per purchase.`, { credits: [message] });
  }
}

async function answerDuplicate(deps: BillingDeps, row: PurchaseRow, requestHash: string): Promise<PurchaseView> {
  if (row.request_hash !== requestHash) throw new Failure('IDEMPOTENCY_CONFLICT', `The idempotency key ${row.idempotency_key} was used for a different purchase.`);
  let current = row;
  const deadline = Date.now() + DUPLICATE_WAIT_MS;
  while (current.status === 'pending' && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    current = (await findPurchaseByKey(deps.db, row.org_id, row.idempotency_key)) ?? current;
  }
  return purchaseView(current);
}

/**
 * Records a charge's outcome, once: credits and an invoice for a success, a failure code and a
 * `payment.failed` event for a decline. Used by the purchase itself and by provider events.
 */
export async function settlePurchase(deps: BillingDeps, input: { orgId: string; purchaseId: string; outcome: ChargeOutcome }): Promise<PurchaseView> {
  return withOrgLedger(deps, input.orgId, async ({ tx, book, org, subscription, contract }) => {
    const purchase = await lockPurchase(tx, input.orgId, input.purchaseId);
    assertInvariant(purchase !== undefined, `purchase ${input.purchaseId} vanished`);
    if (purchase.status !== 'pending') return { book, result: purchaseView(purchase) };
    const now = book.now;
    const { outcome } = input;
    await insertPayment(tx, {
      orgId: input.orgId,
      paymentId: newId('pay'),
      invoiceId: null,
      purchaseId: purchase.purchase_id,
      provider: deps.provider.name,
      providerPaymentId: outcome.providerPaymentId,
      amountCents: purchase.total_cents,
      currency: purchase.currency,
      status: outcome.status,
      failureCode: outcome.status === 'failed' ? outcome.failureCode : null,
      paymentMethodId: purchase.payment_method_id,
      now,
    });
    if (outcome.status === 'failed') {
      await updatePurchase(tx, input.orgId, purchase.purchase_id, { status: 'failed', failure_code: outcome.failureCode, provider_payment_id: outcome.providerPaymentId, updated_at: now });
      await publishEvent(tx, { orgId: input.orgId, type: 'payment.failed', data: { purchase_id: purchase.purchase_id, failure_code: outcome.failureCode, amount_cents: purchase.total_cents }, now }, deps);
      return { book, result: purchaseView({ ...purchase, status: 'failed', failure_code: outcome.failureCode }) };
    }
    const grantId = newId('grt');
    const next = addGrant(book, { id: grantId, bucket: 'purchased', credits: purchase.credits, expiresAt: null, reason: 'purchase', note: `purchase ${purchase.purchase_id}` });
    const terms = termsOf(deps.catalog, subscription.plan_id, contract);
    const invoice = await issueInvoice(tx, deps, org, {
      kind: 'credit_purchase',
      periodStart: subscription.current_period_start,
      periodEnd: subscription.current_period_end,
      plan: { id: terms.planId, name: terms.planName, basePriceCents: terms.basePriceCents },
      currency: purchase.currency,
      paid: true,
      lines: [
        {
          kind: 'credit_purchase',
          description: `${purchase.credits.toLocaleString('en-US')} AI credits`,
          quantity: purchase.credits,
          unit_price_cents: purchase.unit_price_cents,
          amount_cents: purchase.amount_cents,
        },
      ],
    });
    assertInvariant(invoice.total_cents === purchase.total_cents, `purchase ${purchase.purchase_id} charged ${purchase.total_cents} but invoiced ${invoice.total_cents}`);
    await linkPurchasePayment(tx, { orgId: input.orgId, purchaseId: purchase.purchase_id, invoiceId: invoice.id });
    await updatePurchase(tx, input.orgId, purchase.purchase_id, {
      status: 'succeeded',
      provider_payment_id: outcome.providerPaymentId,
      invoice_id: invoice.id,
      grant_id: grantId,
      updated_at: now,
    });
    await publishEvent(tx, { orgId: input.orgId, type: 'purchase.succeeded', data: { purchase_id: purchase.purchase_id, credits: purchase.credits, invoice_id: invoice.id }, now }, deps);
    return {
      book: next,
      result: purchaseView({ ...purchase, status: 'succeeded', invoice_id: invoice.id, grant_id: grantId }),
    };
  });
}
