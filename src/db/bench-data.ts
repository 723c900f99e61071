import { sql } from 'kysely';
import type { Db } from './database.js';

/**
 * Usage history for the history benchmark: `rows` usage records spread over 90 days, written in
 * one statement. They are recorded as uncollected (charged 0), so the ledger has nothing to match
 * and the audit holds; the benchmark reads them, it does not bill them.
 */
export async function insertHistoryRows(db: Db, input: { orgId: string; rows: number; end: Date }): Promise<void> {
  await sql`
    INSERT INTO usage_records (org_id, usage_id, idempotency_key, request_hash, hold_id, user_id, user_name, feature, action,
      tokens, credits, charged_credits, uncollected_credits, occurred_at, recorded_at, response)
    SELECT ${input.orgId}, 'usg_bench_' || n, 'bench-history-' || n, 'bench', NULL, 'user-' || (n % 50), 'User ' || (n % 50),
      (ARRAY['assistant','reports','documents','inspections','analytics'])[1 + n % 5], 'action-' || (n % 7),
      1000 + n % 5000, 1 + (1000 + n % 5000 - 1) / 1000, 0, 1 + (1000 + n % 5000 - 1) / 1000,
      ${input.end}::timestamptz - (n * interval '7776 milliseconds'), ${input.end}, '{}'
    FROM generate_series(1, ${input.rows}) AS n`.execute(db);
  await sql`ANALYZE usage_records`.execute(db);
}
