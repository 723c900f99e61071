import type { Db } from './database.js';
import type { HoldsTable, UsageRow } from './schema.js';
import type { Insertable } from 'kysely';

export type NewHoldRow = Insertable<HoldsTable>;

/** The batch's idempotency keys that were used before, with the answers given then. */
export async function preloadUsageKeys(tx: Db, orgId: string, keys: readonly string[]) {
  if (keys.length === 0) return [];
  return tx
    .selectFrom('usage_records')
    .select(['idempotency_key', 'request_hash', 'response'])
    .where('org_id', '=', orgId)
    .where('idempotency_key', 'in', [...new Set(keys)])
    .execute();
}

export async function preloadHolds(tx: Db, orgId: string, holdIds: readonly string[]) {
  if (holdIds.length === 0) return [];
  return tx
    .selectFrom('holds')
    .select(['hold_id', 'credits', 'status'])
    .where('org_id', '=', orgId)
    .where('hold_id', 'in', [...new Set(holdIds)])
    .execute();
}

export async function insertHolds(tx: Db, rows: readonly NewHoldRow[]): Promise<void> {
  if (rows.length > 0) await tx.insertInto('holds').values([...rows]).execute();
}

export async function insertUsageRows(tx: Db, rows: readonly UsageRow[]): Promise<void> {
  if (rows.length > 0) await tx.insertInto('usage_records').values([...rows]).execute();
}
