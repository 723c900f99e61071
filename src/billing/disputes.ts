import { closeDispute, insertDispute, lockDispute, type DisputeRow } from '../db/disputes.js';
import { loadGrant } from '../db/grants.js';
import { rememberProviderEvent } from '../db/events.js';
import { findPurchaseByPayment, lockPurchase, type PurchaseRow } from '../db/purchases.js';
import { completeRefund, findRefund, insertRefund, refundedMoney } from '../db/refunds.js';
import { freezeGrant, loseFrozenCredits, unfreezeGrant, type LedgerBook } from '../domain/ledger.js';
import { assertInvariant } from '../domain/assert.js';
import { Failure } from '../domain/failures.js';
import { newId } from '../domain/ids.js';
import { disputeLostMoney, formatCreditNoteNumber } from '../domain/refunds.js';
import type { Db } from '../db/database.js';
import type { ProviderDispute, ProviderEvent } from '../providers/payments.js';
import { publishEvent } from '../notifications/publish.js';
import { recordAudit } from '../audit/record-audit.js';
import type { BillingDeps } from './deps.js';
import { withOrgLedger } from './org-ledger.js';

type DisputeEvent = Extract<ProviderEvent, { type: 'dispute.opened' | 'dispute.closed' }>;
export type DisputeOutcome = 'applied' | 'duplicate' | 'stale' | 'ignored';

export interface DisputeView {
  readonly id: string;
  readonly purchase_id: string;
  readonly status: 'open' | 'won' | 'lost';
  readonly frozen_credits: number;
  readonly amount_cents: number;
  readonly currency: string;
  readonly reason: string;
  readonly opened_at: string;
  readonly closed_at: string | null;
  /** A lost dispute's credit note (the money the card network took back). */
  readonly credit_note_id: string | null;
}

export function disputeView(row: DisputeRow, creditNoteId: string | null = null): DisputeView {
  return {
    id: row.dispute_id,
    purchase_id: row.purchase_id,
    status: row.status,
    frozen_credits: row.frozen_credits,
    amount_cents: row.amount_cents,
    currency: row.currency,
    reason: row.reason,
    opened_at: row.opened_at.toISOString(),
    closed_at: row.closed_at?.toISOString() ?? null,
    credit_note_id: creditNoteId,
  };
}

/** What a lost dispute's credit note gives as its reason. */
export const DISPUTE_LOST_REASON = 'The cardholder disputed the charge and the bank returned the money to them.';

/**
 * Applies a card dispute reported by the provider (issue 17), once by event id and in either order:
 * - opened: the purchase's unused credits move to the frozen account, where nothing can spend them;
 * - closed won: they go back to the purchase's grant;
 * - closed lost: they are taken away (`dispute_lost`), and the money the bank took back is recorded
 *   as a refund of kind `dispute_lost` with its credit note.
 * A closing that arrives before its opening opens and closes the dispute at once; the opening that
 * arrives after it is stale. Admins get a notice and e-mail, endpoints `purchase.disputed`.
 */
export async function applyDisputeEvent(deps: BillingDeps, event: DisputeEvent): Promise<DisputeOutcome> {
  const owner = await findPurchaseByPayment(deps.db, event.dispute.providerPaymentId);
  if (!owner) {
    // Not a credit purchase (a subscription invoice's payment, or a charge made elsewhere).
    const fresh = await rememberProviderEvent(deps.db, { eventId: event.id, type: event.type, orgId: null, now: deps.clock.now(), outcome: 'ignored' });
    return fresh ? 'ignored' : 'duplicate';
  }
  return withOrgLedger(deps, owner.org_id, async ({ tx, book }) => {
    const purchase = await lockPurchase(tx, owner.org_id, owner.purchase_id);
    assertInvariant(purchase !== undefined, `purchase ${owner.purchase_id} vanished under its lock`);
    // The payment's own event may not be applied yet: answer an error so the provider sends this again.
    if (purchase.status !== 'succeeded' || purchase.grant_id === null) {
      throw new Failure('PURCHASE_NOT_SETTLED', `Purchase ${purchase.purchase_id} is ${purchase.status}: its dispute is applied once the payment is.`);
    }
    let dispute = await lockDispute(tx, event.dispute.providerDisputeId);
    const stale = dispute !== undefined && (event.type === 'dispute.opened' || dispute.status !== 'open');
    const fresh = await rememberProviderEvent(tx, { eventId: event.id, type: event.type, orgId: owner.org_id, now: book.now, outcome: stale ? 'stale' : 'applied' });
    if (!fresh) return { book, result: 'duplicate' as const };
    if (stale) return { book, result: 'stale' as const };

    let next = book;
    if (!dispute) ({ book: next, dispute } = await openDispute(tx, next, purchase, event.dispute));
    if (event.type === 'dispute.closed') {
      assertInvariant(event.dispute.outcome !== null, 'a closed dispute has an outcome');
      ({ book: next, dispute } = await decide(tx, next, purchase, dispute, event.dispute.outcome));
    }
    await tellOrg(tx, deps, purchase, dispute, book.now);
    return { book: next, result: 'applied' as const };
  });
}

async function openDispute(tx: Db, book: LedgerBook, purchase: PurchaseRow, reported: ProviderDispute): Promise<{ book: LedgerBook; dispute: DisputeRow }> {
  const grantId = purchase.grant_id!;
  const { book: next, frozen } = freezeGrant(book, grantId);
  const dispute = await insertDispute(tx, {
    org_id: purchase.org_id,
    dispute_id: newId('dsp'),
    provider_dispute_id: reported.providerDisputeId,
    purchase_id: purchase.purchase_id,
    grant_id: grantId,
    status: 'open',
    frozen_credits: frozen,
    amount_cents: reported.amountCents,
    currency: reported.currency,
    reason: reported.reason,
    refund_id: null,
    opened_at: book.now,
    closed_at: null,
  });
  return { book: next, dispute };
}

async function decide(tx: Db, book: LedgerBook, purchase: PurchaseRow, dispute: DisputeRow, outcome: 'won' | 'lost'): Promise<{ book: LedgerBook; dispute: DisputeRow }> {
  const now = book.now;
  if (outcome === 'won') {
    const grant = await loadGrant(tx, purchase.org_id, dispute.grant_id);
    assertInvariant(grant !== undefined, `disputed grant ${dispute.grant_id} is missing`);
    const next = unfreezeGrant(book, { grant, credits: dispute.frozen_credits });
    return { book: next, dispute: await closeDispute(tx, { orgId: purchase.org_id, disputeId: dispute.dispute_id, status: 'won', refundId: null, now }) };
  }
  const next = loseFrozenCredits(book, { grantId: dispute.grant_id, credits: dispute.frozen_credits });
  const money = disputeLostMoney({ amountCents: purchase.amount_cents, taxCents: purchase.tax_cents }, await refundedMoney(tx, purchase.org_id, purchase.purchase_id), dispute.amount_cents);
  const refundId = newId('rf');
  await insertRefund(tx, {
    orgId: purchase.org_id,
    refundId,
    kind: 'dispute_lost',
    purchaseId: purchase.purchase_id,
    grantId: dispute.grant_id,
    idempotencyKey: `dispute:${dispute.dispute_id}`,
    requestHash: dispute.provider_dispute_id,
    reason: DISPUTE_LOST_REASON,
    credits: dispute.frozen_credits,
    money,
    currency: purchase.currency,
    now,
  });
  // The bank already took the money back: the refund is complete at once, with its credit note.
  const refund = await completeRefund(tx, { orgId: purchase.org_id, refundId, providerRefundId: dispute.provider_dispute_id, creditNoteId: newId('cn'), now });
  assertInvariant(refund !== undefined, `the refund of lost dispute ${dispute.dispute_id} was written in this transaction`);
  return { book: next, dispute: await closeDispute(tx, { orgId: purchase.org_id, disputeId: dispute.dispute_id, status: 'lost', refundId, now }) };
}

/** The admins' notice and e-mail, the `purchase.disputed` event and the audit entry of a dispute's new state. */
async function tellOrg(tx: Db, deps: BillingDeps, purchase: PurchaseRow, dispute: DisputeRow, now: Date): Promise<void> {
  const refund = dispute.refund_id === null ? undefined : await findRefund(tx, purchase.org_id, dispute.refund_id);
  const data = {
    purchase_id: purchase.purchase_id,
    dispute_id: dispute.dispute_id,
    status: dispute.status,
    frozen_credits: dispute.frozen_credits,
    amount_cents: dispute.amount_cents,
    currency: dispute.currency,
    reason: dispute.reason,
    ...(refund ? { total_cents: refund.total_cents, credit_note_id: refund.credit_note_id, credit_note_number: formatCreditNoteNumber(refund.credit_note_number!) } : {}),
  };
  await publishEvent(tx, { orgId: purchase.org_id, type: 'purchase.disputed', data, now }, deps);
  await recordAudit(tx, { orgId: purchase.org_id, action: 'purchase.disputed', target: purchase.purchase_id, after: data, now });
}
