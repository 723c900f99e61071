import { createHash } from 'node:crypto';
import { lockPurchase, purchasePaymentId } from '../db/purchases.js';
import { hasOpenDispute } from '../db/disputes.js';
import { completeRefund, findRefund, findRefundByKey, insertRefund, listPendingRefunds, refundedCredits, type RefundRow } from '../db/refunds.js';
import { takeBackFromGrant } from '../domain/ledger.js';
import { assertInvariant } from '../domain/assert.js';
import { Failure } from '../domain/failures.js';
import { newId } from '../domain/ids.js';
import { formatCreditNoteNumber, refundMoney } from '../domain/refunds.js';
import { ProviderUnavailable } from '../providers/payments.js';
import { publishEvent } from '../notifications/publish.js';
import { recordAudit } from '../audit/record-audit.js';
import type { BillingDeps } from './deps.js';
import { withOrgLedger } from './org-ledger.js';

export interface RefundInput {
  readonly orgId: string;
  readonly purchaseId: string;
  /** At most this many credits; all the purchase's unused credits when absent. */
  readonly credits?: number | undefined;
  readonly reason: string;
  /** The same key for the same purchase never refunds twice: a retry answers the first refund. */
  readonly idempotencyKey?: string | undefined;
}

export interface RefundView {
  readonly id: string;
  readonly purchase_id: string;
  readonly credits: number;
  readonly amount_cents: number;
  readonly tax_cents: number;
  readonly total_cents: number;
  readonly currency: string;
  /** pending: the credits are taken back and the money is on its way (the provider did not confirm yet). */
  readonly status: 'pending' | 'succeeded';
  readonly reason: string;
  readonly credit_note_id: string | null;
  readonly credit_note_number: string | null;
  readonly created_at: string;
}

export function refundView(row: RefundRow): RefundView {
  return {
    id: row.refund_id,
    purchase_id: row.purchase_id,
    credits: row.credits,
    amount_cents: row.amount_cents,
    tax_cents: row.tax_cents,
    total_cents: row.total_cents,
    currency: row.currency,
    status: row.status,
    reason: row.reason,
    credit_note_id: row.credit_note_id,
    credit_note_number: row.credit_note_number === null ? null : formatCreditNoteNumber(row.credit_note_number),
    created_at: row.created_at.toISOString(),
  };
}

/**
 * Refunds a credit purchase (issue 17): takes back its unused credits — all that remain of its own
 * grant, or fewer, never more — in the org's ledger cycle, so usage racing the refund spends each
 * credit once: whatever the usage took first is simply not there to refund. Their price and the
 * matching share of tax (domain/refunds.ts) go back through the provider, and once it confirms, the
 * refund gets its credit note (CN-…). If the provider cannot be reached, the refund stays pending
 * with its credits taken back, and a retry or the reconciliation job finishes it with the same key.
 */
export async function refundPurchase(deps: BillingDeps, input: RefundInput): Promise<{ replayed: boolean; refund: RefundView }> {
  const requestHash = createHash('sha256').update(JSON.stringify([input.credits ?? null, input.reason])).digest('hex');
  const started = await withOrgLedger(deps, input.orgId, async ({ tx, book }) => {
    const purchase = await lockPurchase(tx, input.orgId, input.purchaseId);
    if (!purchase) throw new Failure('PURCHASE_NOT_FOUND', `There is no credit purchase ${input.purchaseId} in this organization.`);
    if (input.idempotencyKey !== undefined) {
      const previous = await findRefundByKey(tx, input.orgId, input.purchaseId, input.idempotencyKey);
      if (previous) {
        if (previous.request_hash !== requestHash) throw new Failure('IDEMPOTENCY_CONFLICT', `The idempotency key ${input.idempotencyKey} was used for a different refund of this purchase.`);
        return { book, result: { replayed: true, row: previous } };
      }
    }
    if (purchase.status !== 'succeeded' || purchase.grant_id === null || purchase.provider_payment_id === null) {
      throw new Failure('PURCHASE_NOT_REFUNDABLE', `Purchase ${input.purchaseId} is ${purchase.status}: only a paid purchase can be refunded.`);
    }
    if (await hasOpenDispute(tx, input.orgId, purchase.purchase_id)) {
      throw new Failure('PURCHASE_DISPUTED', `The charge of purchase ${input.purchaseId} is disputed: its credits are frozen until the bank decides, and a lost dispute returns the money by itself.`);
    }
    const before = await refundedCredits(tx, input.orgId, purchase.purchase_id);
    const { book: next, taken } = takeBackFromGrant(book, { grantId: purchase.grant_id, credits: input.credits ?? purchase.credits, note: input.reason });
    if (taken === 0) throw new Failure('NOTHING_TO_REFUND', `None of the ${purchase.credits.toLocaleString('en-US')} credits of purchase ${purchase.purchase_id} are left: they were used or refunded.`);
    const money = refundMoney({ credits: purchase.credits, amountCents: purchase.amount_cents, taxCents: purchase.tax_cents }, before, taken);
    const row = await insertRefund(tx, {
      orgId: input.orgId,
      refundId: newId('rf'),
      kind: 'refund',
      purchaseId: purchase.purchase_id,
      grantId: purchase.grant_id,
      idempotencyKey: input.idempotencyKey ?? null,
      requestHash,
      reason: input.reason,
      credits: taken,
      money,
      currency: purchase.currency,
      now: book.now,
    });
    assertInvariant(row !== undefined, 'a refund key checked under the purchase lock was taken');
    await recordAudit(tx, {
      orgId: input.orgId,
      action: 'purchase.refunded',
      target: purchase.purchase_id,
      after: { refund_id: row.refund_id, credits: taken, amount_cents: money.amountCents, tax_cents: money.taxCents, total_cents: money.totalCents, reason: input.reason },
      now: book.now,
    });
    return { book: next, result: { replayed: false, row } };
  });
  const row = started.row.status === 'pending' ? await finishRefund(deps, started.row) : started.row;
  return { replayed: started.replayed, refund: refundView(row) };
}

/**
 * Pays a pending refund back through the provider (idempotency key `refund:<id>`, so a retry never
 * pays twice) and, once it confirms, issues the credit note and tells the org. Answers the refund as
 * it stands: still pending when the provider could not be reached.
 */
export async function finishRefund(deps: BillingDeps, refund: RefundRow): Promise<RefundRow> {
  const providerPaymentId = await purchasePaymentId(deps.db, refund.org_id, refund.purchase_id);
  assertInvariant(providerPaymentId !== null, `refunded purchase ${refund.purchase_id} has no payment`);
  let providerRefundId: string;
  try {
    ({ providerRefundId } = await deps.provider.refund({
      providerPaymentId,
      amountCents: refund.total_cents,
      currency: refund.currency,
      idempotencyKey: `refund:${refund.refund_id}`,
      metadata: { loupe_org_id: refund.org_id, loupe_purchase_id: refund.purchase_id, loupe_refund_id: refund.refund_id },
    }));
  } catch (error) {
    // Unknown outcome: the refund stays pending (the answer says so) until a retry or the job finishes it.
    if (error instanceof ProviderUnavailable) return refund;
    throw error;
  }
  const now = deps.clock.now();
  return deps.db.transaction().execute(async (tx) => {
    const completed = await completeRefund(tx, { orgId: refund.org_id, refundId: refund.refund_id, providerRefundId, creditNoteId: newId('cn'), now });
    // Another process finished it first: answer that outcome.
    if (!completed) return (await findRefund(tx, refund.org_id, refund.refund_id)) ?? refund;
    const data = {
      purchase_id: completed.purchase_id,
      refund_id: completed.refund_id,
      credits: completed.credits,
      amount_cents: completed.amount_cents,
      tax_cents: completed.tax_cents,
      total_cents: completed.total_cents,
      credit_note_id: completed.credit_note_id,
      credit_note_number: formatCreditNoteNumber(completed.credit_note_number!),
    };
    await publishEvent(tx, { orgId: refund.org_id, type: 'purchase.refunded', data, now }, deps);
    return completed;
  });
}

/** The reconciliation job's part: pending refunds older than a minute are tried again. */
export async function finishPendingRefunds(deps: BillingDeps, limit = 50): Promise<number> {
  const pending = await listPendingRefunds(deps.db, new Date(deps.clock.now().getTime() - 60_000), limit);
  let finished = 0;
  for (const { org_id: orgId, refund_id: refundId } of pending) {
    const refund = await findRefund(deps.db, orgId, refundId);
    if (refund?.status === 'pending' && (await finishRefund(deps, refund)).status === 'succeeded') finished += 1;
  }
  return finished;
}
