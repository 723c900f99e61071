import { sql, type Insertable, type Selectable } from 'kysely';
import type { Db } from './database.js';
import type { RefundsTable } from './schema.js';

export type RefundRow = Selectable<RefundsTable>;

/** Inserts a pending refund; undefined when its idempotency key was used for this purchase already. */
export async function insertRefund(tx: Db, row: Insertable<RefundsTable>): Promise<RefundRow | undefined> {
  return tx
    .insertInto('refunds')
    .values(row)
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

/** Refunds the provider has not confirmed yet, oldest first (for the reconciliation job). */
export async function listPendingRefunds(db: Db, olderThan: Date, limit: number) {
  return db.selectFrom('refunds').select(['org_id', 'refund_id']).where('status', '=', 'pending').where('created_at', '<', olderThan).orderBy('created_at').limit(limit).execute();
}
