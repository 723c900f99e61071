import type { Db } from './database.js';

/**
 * Claims pending auto-recharge requests whose lease is free (SKIP LOCKED, so two servers never take
 * one twice) and leases them until `leaseUntil`, oldest first.
 */
export async function claimDueRecharges(tx: Db, input: { now: Date; leaseUntil: Date; limit: number }) {
  const due = await tx
    .selectFrom('auto_recharges')
    .select(['org_id', 'recharge_id', 'credits'])
    .where('status', '=', 'pending')
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', input.now)]))
    .orderBy('created_at')
    .limit(input.limit)
    .forUpdate()
    .skipLocked()
    .execute();
  for (const row of due) {
    await tx.updateTable('auto_recharges').set({ locked_until: input.leaseUntil }).where('org_id', '=', row.org_id).where('recharge_id', '=', row.recharge_id).execute();
  }
  return due;
}

export async function finishRecharge(
  tx: Db,
  input: { orgId: string; rechargeId: string; status: 'succeeded' | 'failed'; purchaseId: string | null; failureCode: string | null },
): Promise<void> {
  await tx
    .updateTable('auto_recharges')
    .set({ status: input.status, purchase_id: input.purchaseId, failure_code: input.failureCode, locked_until: null })
    .where('org_id', '=', input.orgId)
    .where('recharge_id', '=', input.rechargeId)
    .execute();
}

/** Auto-recharge stops for the org until an admin turns it on again (the setting lives in org_settings). */
export async function pauseAutoRecharge(tx: Db, orgId: string, now: Date): Promise<void> {
  await tx.updateTable('org_settings').set({ auto_recharge_paused_at: now }).where('org_id', '=', orgId).execute();
}
