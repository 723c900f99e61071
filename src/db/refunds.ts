import { sql, type Selectable } from 'kysely';
import type { Db } from './database.js';
import type { RefundsTable } from './schema.js';

export type RefundRow = Selectable<RefundsTable>;

/** A refund as its use case decides it; it starts pending, without a credit note. */
export interface NewRefund {
  readonly orgId: string;
  readonly refundId: string;
  readonly kind: 'refund' | 'dispute_lost';
  readonly purchaseId: string;
  readonly grantId: string;
  readonly idempotencyKey: string | null;
  readonly requestHash: string;
  readonly reason: string;
  readonly credits: number;
  readonly money: { readonly amountCents: number; readonly taxCents: number; readonly totalCents: number };
  readonly currency: string;
  readonly now: Date;
}

/** Inserts a pending refund; undefined when its idempotency key was used for this purchase already. */
export async function insertRefund(tx: Db, refund: NewRefund): Promise<RefundRow | undefined> {
  return tx
    .insertInto('refunds')
    .values({
      org_id: refund.orgId,
      refund_id: refund.refundId,
      kind: refund.kind,
      purchase_id: refund.purchaseId,
      grant_id: refund.grantId,
      idempotency_key: refund.idempotencyKey,
      request_hash: refund.requestHash,
      reason: refund.reason,
      credits: refund.credits,
      amount_cents: refund.money.amountCents,
      tax_cents: refund.money.taxCents,
      total_cents: refund.money.totalCents,
      currency: refund.currency,
      status: 'pending',
      provider_refund_id: null,
      credit_note_id: null,
      credit_note_number: null,
      created_at: refund.now,
      updated_at: refund.now,
    })
    .onConflict((conflict) => conflict.columns(['org_id', 'purchase_id', 'idempotency_key']).doNothing())
    .returningAll()
    .executeTakeFirst();
}

export async function findRefundByKey(db: Db, orgId: string, purchaseId: string, idempotencyKey: string) {
  return db.selectFrom('refunds').selectAll().where('org_id', '=', orgId).where('purchase_id', '=', purchaseId).where('idempotency_key', '=', idempotencyKey).executeTakeFirst();
}

export async function findRefund(db: Db, orgId: string, refundId: string) {
  return db.selectFrom('refunds').selectAll().where('org_id', '=', orgId).where('refund_id', '=', refundId).executeTakeFirst();
}

/** The credits of a purchase refunded so far (pending refunds included: their credits have left the ledger). */
export async function refundedCredits(db: Db, orgId: string, purchaseId: string): Promise<number> {
  const row = await db
    .selectFrom('refunds')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<string>('credits'), sql<string>`0`).as('credits'))
    .where('org_id', '=', orgId)
    .where('purchase_id', '=', purchaseId)
    .executeTakeFirstOrThrow();
  return Number(row.credits);
}

/**
 * Marks a refund confirmed by the provider and gives its credit note the next number of the CN
 * series. The counter row stays locked until the caller's transaction ends, so numbers have no gaps.
 */
export async function completeRefund(tx: Db, input: { orgId: string; refundId: string; providerRefundId: string; creditNoteId: string; now: Date }): Promise<RefundRow | undefined> {
  const pending = await tx.selectFrom('refunds').select('status').where('org_id', '=', input.orgId).where('refund_id', '=', input.refundId).forUpdate().executeTakeFirst();
  if (!pending || pending.status !== 'pending') return undefined;
  const counter = await tx.updateTable('credit_note_counter').set((eb) => ({ last_number: eb('last_number', '+', 1) })).returning('last_number').executeTakeFirstOrThrow();
  return tx
    .updateTable('refunds')
    .set({ status: 'succeeded', provider_refund_id: input.providerRefundId, credit_note_id: input.creditNoteId, credit_note_number: Number(counter.last_number), updated_at: input.now })
    .where('org_id', '=', input.orgId)
    .where('refund_id', '=', input.refundId)
    .returningAll()
    .executeTakeFirst();
}

/**
 * Every refund of the org (refunds and lost disputes), oldest first, for the export; refunds of the
 * same moment in the order of their credit notes (the CN series is gapless and in issue order).
 */
export async function listRefunds(db: Db, orgId: string) {
  return db
    .selectFrom('refunds')
    .selectAll()
    .where('org_id', '=', orgId)
    .orderBy('created_at')
    .orderBy('credit_note_number', (order) => order.asc().nullsLast())
    .orderBy('refund_id')
    .execute();
}

/** Refunds the provider has not confirmed yet, oldest first (for the reconciliation job). */
export async function listPendingRefunds(db: Db, olderThan: Date, limit: number) {
  return db.selectFrom('refunds').select(['org_id', 'refund_id']).where('status', '=', 'pending').where('created_at', '<', olderThan).orderBy('created_at').limit(limit).execute();
}

/** A refund by its credit note, with what the note prints: the purchase's unit price, invoice and card. */
export async function findCreditNote(db: Db, orgId: string, creditNoteId: string) {
  return db
    .selectFrom('refunds as r')
    .innerJoin('credit_purchases as p', (join) => join.onRef('p.org_id', '=', 'r.org_id').onRef('p.purchase_id', '=', 'r.purchase_id'))
    .leftJoin('payment_methods as m', (join) => join.onRef('m.org_id', '=', 'p.org_id').onRef('m.payment_method_id', '=', 'p.payment_method_id'))
    .selectAll('r')
    .select(['p.unit_price_cents', 'p.invoice_id', 'm.brand as card_brand', 'm.last4 as card_last4'])
    .where('r.org_id', '=', orgId)
    .where('r.credit_note_id', '=', creditNoteId)
    .executeTakeFirst();
}

/** Where a purchase stands after its refunds and disputes (domain/refunds.ts `refundStatus`). */
export interface PurchaseStanding {
  readonly purchaseId: string;
  readonly invoiceId: string | null;
  readonly credits: number;
  readonly totalCents: number;
  /** Refunds and lost disputes so far: credits taken back and money returned. */
  readonly refundedCredits: number;
  readonly refundedCents: number;
  /** The latest dispute of its charge, if any. */
  readonly dispute: 'open' | 'won' | 'lost' | null;
}

/** The standing of the purchases named by id, or of those the named invoices billed. */
export async function purchaseStandings(db: Db, orgId: string, filter: { purchaseIds: readonly string[] } | { invoiceIds: readonly string[] }): Promise<PurchaseStanding[]> {
  const ids = 'purchaseIds' in filter ? filter.purchaseIds : filter.invoiceIds;
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('credit_purchases as p')
    .select((eb) => [
      'p.purchase_id',
      'p.invoice_id',
      'p.credits',
      'p.total_cents',
      eb.fn.coalesce(eb.selectFrom('refunds as r').select((inner) => inner.fn.sum<number>('r.credits').as('c')).whereRef('r.org_id', '=', 'p.org_id').whereRef('r.purchase_id', '=', 'p.purchase_id'), sql<number>`0`).as('refunded_credits'),
      eb.fn.coalesce(eb.selectFrom('refunds as r').select((inner) => inner.fn.sum<number>('r.total_cents').as('c')).whereRef('r.org_id', '=', 'p.org_id').whereRef('r.purchase_id', '=', 'p.purchase_id'), sql<number>`0`).as('refunded_cents'),
      eb.selectFrom('disputes as d').select('d.status').whereRef('d.org_id', '=', 'p.org_id').whereRef('d.purchase_id', '=', 'p.purchase_id').orderBy('d.opened_at', 'desc').orderBy('d.dispute_id', 'desc').limit(1).as('dispute'),
    ])
    .where('p.org_id', '=', orgId)
    .where('purchaseIds' in filter ? 'p.purchase_id' : 'p.invoice_id', 'in', [...ids])
    .execute();
  return rows.map((row) => ({
    purchaseId: row.purchase_id,
    invoiceId: row.invoice_id,
    credits: row.credits,
    totalCents: row.total_cents,
    refundedCredits: Number(row.refunded_credits),
    refundedCents: Number(row.refunded_cents),
    dispute: row.dispute ?? null,
  }));
}

/** The credit notes issued against a credit purchase invoice, oldest first. */
export async function listCreditNotesOfInvoice(db: Db, orgId: string, invoiceId: string) {
  return db
    .selectFrom('refunds as r')
    .innerJoin('credit_purchases as p', (join) => join.onRef('p.org_id', '=', 'r.org_id').onRef('p.purchase_id', '=', 'r.purchase_id'))
    .select(['r.credit_note_id', 'r.credit_note_number', 'r.credits', 'r.total_cents', 'r.currency', 'r.updated_at'])
    .where('r.org_id', '=', orgId)
    .where('p.invoice_id', '=', invoiceId)
    .where('r.status', '=', 'succeeded')
    .orderBy('r.credit_note_number')
    .execute();
}

/** The refunded money of a purchase so far (refunds and lost disputes), for a lost dispute's share. */
export async function refundedMoney(db: Db, orgId: string, purchaseId: string): Promise<{ amountCents: number; taxCents: number }> {
  const row = await db
    .selectFrom('refunds')
    .select([
      (eb) => eb.fn.coalesce(eb.fn.sum<string>('amount_cents'), sql<string>`0`).as('amount'),
      (eb) => eb.fn.coalesce(eb.fn.sum<string>('tax_cents'), sql<string>`0`).as('tax'),
    ])
    .where('org_id', '=', orgId)
    .where('purchase_id', '=', purchaseId)
    .executeTakeFirstOrThrow();
  return { amountCents: Number(row.amount), taxCents: Number(row.tax) };
}
