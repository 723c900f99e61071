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

/** Enabled endpoints not removed, with the event types each wants (none listed: every type). */
export async function listEnabledEndpoints(db: Db, orgId: string) {
  return db.selectFrom('webhook_endpoints').select(['endpoint_id', 'events']).where('org_id', '=', orgId).where('status', '=', 'enabled').where('deleted_at', 'is', null).execute();
}

/** An endpoint not removed, as the audit log records it. */
export async function findLiveEndpoint(db: Db, orgId: string, endpointId: string) {
  return db.selectFrom('webhook_endpoints').select(['url', 'events']).where('org_id', '=', orgId).where('endpoint_id', '=', endpointId).where('deleted_at', 'is', null).executeTakeFirst();
}

export async function disableEndpoint(tx: Db, input: { orgId: string; endpointId: string; now: Date }): Promise<void> {
  await tx.updateTable('webhook_endpoints').set({ status: 'disabled', disabled_at: input.now }).where('org_id', '=', input.orgId).where('endpoint_id', '=', input.endpointId).execute();
}

export async function listEndpoints(db: Db, orgId: string) {
  return db.selectFrom('webhook_endpoints').selectAll().where('org_id', '=', orgId).where('deleted_at', 'is', null).orderBy('created_at').execute();
}

export async function insertEndpoint(db: Db, row: { orgId: string; endpointId: string; url: string; events: string[]; secret: string; now: Date }): Promise<void> {
  await db
    .insertInto('webhook_endpoints')
    .values({ org_id: row.orgId, endpoint_id: row.endpointId, url: row.url, events: row.events, secret: row.secret, status: 'enabled', disabled_at: null, created_at: row.now, deleted_at: null })
    .execute();
}

export async function deleteEndpoint(db: Db, orgId: string, endpointId: string, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('webhook_endpoints')
    .set({ deleted_at: now })
    .where('org_id', '=', orgId)
    .where('endpoint_id', '=', endpointId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
