import { sql } from 'kysely';
import type { Db } from './database.js';

/**
 * Serializes endpoint changes of one org until the transaction ends, so a count followed by an
 * insert cannot be raced past a limit. An advisory lock, not the org's row: ledger writes lock that.
 */
export async function lockEndpointsOf(tx: Db, orgId: string): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`webhook_endpoints:${orgId}`}, 0))`.execute(tx);
}

/** Endpoints not removed; disabled ones count too, as they stay listed until an admin removes them. */
export async function countEndpoints(tx: Db, orgId: string): Promise<number> {
  const row = await tx
    .selectFrom('webhook_endpoints')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('org_id', '=', orgId)
    .where('deleted_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}
