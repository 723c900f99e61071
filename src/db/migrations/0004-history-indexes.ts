import { sql, type Kysely } from 'kysely';

/**
 * Usage history filtered by user or feature reads these instead of walking the org's whole history
 * (keyset pagination newest first, as the unfiltered list does on usage_records_newest).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE INDEX usage_records_by_user ON usage_records (org_id, user_id, occurred_at DESC, usage_id DESC);
    CREATE INDEX usage_records_by_feature ON usage_records (org_id, feature, occurred_at DESC, usage_id DESC);
  `.execute(db);
}
