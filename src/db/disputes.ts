import type { Insertable, Selectable } from 'kysely';
import type { Db } from './database.js';
import type { DisputesTable } from './schema.js';

export type DisputeRow = Selectable<DisputesTable>;

/** The dispute the provider knows by this id, locked until the caller's transaction ends. */
export async function lockDispute(tx: Db, providerDisputeId: string) {
  return tx.selectFrom('disputes').selectAll().where('provider_dispute_id', '=', providerDisputeId).forUpdate().executeTakeFirst();
}

export async function insertDispute(tx: Db, row: Insertable<DisputesTable>): Promise<DisputeRow> {
  return tx.insertInto('disputes').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function closeDispute(tx: Db, input: { orgId: string; disputeId: string; status: 'won' | 'lost'; refundId: string | null; now: Date }): Promise<DisputeRow> {
  return tx
    .updateTable('disputes')
    .set({ status: input.status, refund_id: input.refundId, closed_at: input.now })
    .where('org_id', '=', input.orgId)
    .where('dispute_id', '=', input.disputeId)
    .where('status', '=', 'open')
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The org's disputes, newest first, or the one named; with a lost dispute's credit note. */
export async function listDisputes(db: Db, orgId: string, disputeId?: string) {
  let query = db
    .selectFrom('disputes as d')
    .leftJoin('refunds as r', (join) => join.onRef('r.org_id', '=', 'd.org_id').onRef('r.refund_id', '=', 'd.refund_id'))
    .selectAll('d')
    .select('r.credit_note_id')
    .where('d.org_id', '=', orgId);
  if (disputeId !== undefined) query = query.where('d.dispute_id', '=', disputeId);
  return query.orderBy('d.opened_at', 'desc').orderBy('d.dispute_id', 'desc').execute();
}

/** Whether the purchase's charge is disputed now (a refund must wait for the bank's decision). */
export async function hasOpenDispute(db: Db, orgId: string, purchaseId: string): Promise<boolean> {
  const row = await db.selectFrom('disputes').select('dispute_id').where('org_id', '=', orgId).where('purchase_id', '=', purchaseId).where('status', '=', 'open').executeTakeFirst();
  return row !== undefined;
}
