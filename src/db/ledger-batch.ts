import type { Db } from './database.js';
import type { HoldsTable, UsageRow } from './schema.js';
import { sql, type Insertable } from 'kysely';

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

/**
 * The batch's usage rows in one INSERT … SELECT FROM unnest(arrays): sixteen parameters whatever the
 * batch size, instead of sixteen per row, which keeps parsing and binding flat as batches grow.
 */
export async function insertUsageRows(tx: Db, rows: readonly UsageRow[]): Promise<void> {
  if (rows.length === 0) return;
  const column = <K extends keyof UsageRow>(key: K) => rows.map((row) => row[key]);
  await sql`
    INSERT INTO usage_records (org_id, usage_id, idempotency_key, request_hash, hold_id, user_id, user_name, feature, action,
      tokens, credits, charged_credits, uncollected_credits, occurred_at, recorded_at, response)
    SELECT * FROM unnest(${column('org_id')}::text[], ${column('usage_id')}::text[], ${column('idempotency_key')}::text[],
      ${column('request_hash')}::text[], ${column('hold_id')}::text[], ${column('user_id')}::text[], ${column('user_name')}::text[],
      ${column('feature')}::text[], ${column('action')}::text[], ${column('tokens')}::bigint[], ${column('credits')}::bigint[],
      ${column('charged_credits')}::bigint[], ${column('uncollected_credits')}::bigint[], ${column('occurred_at')}::timestamptz[],
      ${column('recorded_at')}::timestamptz[], ${column('response')}::text[])`.execute(tx);
}
