import type { Db } from './database.js';

/**
 * Periods that closed in a ledger cycle and whose invoice is not issued yet (migration 0010): the
 * cycle writes the row, the period-invoice use case issues the invoice after the commit, outside the
 * metering transaction (invoice numbers come from one global counter). Claimed under row locks with
 * SKIP LOCKED, so two servers never issue one twice; the invoice itself is unique per period as well.
 */
export async function claimPendingClosings(tx: Db, orgIds: readonly string[] | null, skipOrgIds: ReadonlySet<string>, limit: number) {
  let query = tx.selectFrom('period_closings').select(['org_id', 'closed_period_start', 'closing']).where('invoiced_at', 'is', null);
  if (orgIds !== null) query = query.where('org_id', 'in', orgIds.length > 0 ? [...orgIds] : ['']);
  if (skipOrgIds.size > 0) query = query.where('org_id', 'not in', [...skipOrgIds]);
  return query.orderBy('org_id').orderBy('closed_period_start').limit(limit).forUpdate().skipLocked().execute();
}

export async function markClosingInvoiced(tx: Db, closing: { org_id: string; closed_period_start: Date }, now: Date): Promise<void> {
  await tx
    .updateTable('period_closings')
    .set({ invoiced_at: now })
    .where('org_id', '=', closing.org_id)
    .where('closed_period_start', '=', closing.closed_period_start)
    .execute();
}
