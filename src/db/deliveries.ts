import { sql, type Selectable } from 'kysely';
import type { Db } from './database.js';
import type { EmailMessagesTable, WebhookDeliveriesTable } from './schema.js';

/**
 * Leases on waiting deliveries: one statement claims due rows (FOR UPDATE SKIP LOCKED, so two
 * dispatchers never take the same row) and marks them leased until `leaseUntil`; the dispatcher then
 * works without holding any lock. A dispatcher that dies leaves the lease to run out, and the row is
 * claimed again: nothing is lost (at-least-once).
 */
async function claimDue<T>(db: Db, table: 'email_messages' | 'webhook_deliveries', key: 'message_id' | 'delivery_id', input: { now: Date; leaseUntil: Date; limit: number }): Promise<T[]> {
  const { rows } = await sql<T>`
    UPDATE ${sql.table(table)} AS claimed SET locked_until = ${input.leaseUntil}
    WHERE (claimed.org_id, claimed.${sql.ref(key)}) IN (
      SELECT org_id, ${sql.ref(key)} FROM ${sql.table(table)}
      WHERE status = 'pending' AND next_attempt_at <= ${input.now} AND (locked_until IS NULL OR locked_until < ${input.now})
      ORDER BY next_attempt_at LIMIT ${input.limit}
      FOR UPDATE SKIP LOCKED)
    RETURNING claimed.*`.execute(db);
  return rows;
}

export function claimDueEmails(db: Db, now: Date, leaseUntil: Date, limit: number) {
  return claimDue<Selectable<EmailMessagesTable>>(db, 'email_messages', 'message_id', { now, leaseUntil, limit });
}

export async function finishEmail(
  db: Db,
  row: { org_id: string; message_id: string },
  change: { status: 'pending' | 'sent' | 'failed'; attempts: number; next_attempt_at: Date | null; last_error: string | null; sent_at: Date | null },
): Promise<void> {
  await db.updateTable('email_messages').set({ ...change, locked_until: null }).where('org_id', '=', row.org_id).where('message_id', '=', row.message_id).execute();
}

export function claimDueDeliveries(db: Db, now: Date, leaseUntil: Date, limit: number) {
  return claimDue<Selectable<WebhookDeliveriesTable>>(db, 'webhook_deliveries', 'delivery_id', { now, leaseUntil, limit });
}

export type DeliveryRow = Awaited<ReturnType<typeof claimDueDeliveries>>[number];

export async function findEndpoint(db: Db, orgId: string, endpointId: string) {
  return db.selectFrom('webhook_endpoints').selectAll().where('org_id', '=', orgId).where('endpoint_id', '=', endpointId).executeTakeFirst();
}

export async function findEvent(db: Db, orgId: string, eventId: string) {
  return db.selectFrom('events').selectAll().where('org_id', '=', orgId).where('event_id', '=', eventId).executeTakeFirst();
}

export async function recordAttempt(
  tx: Db,
  attempt: { orgId: string; deliveryId: string; attempt: number; at: Date; statusCode: number | null; error: string | null; durationMs: number },
): Promise<void> {
  await tx
    .insertInto('webhook_attempts')
    .values({
      org_id: attempt.orgId,
      delivery_id: attempt.deliveryId,
      attempt: attempt.attempt,
      attempted_at: attempt.at,
      status_code: attempt.statusCode,
      error: attempt.error,
      duration_ms: attempt.durationMs,
    })
    .onConflict((conflict) => conflict.columns(['org_id', 'delivery_id', 'attempt']).doNothing())
    .execute();
}

export async function updateDelivery(
  tx: Db,
  row: { org_id: string; delivery_id: string },
  change: Partial<Pick<DeliveryRow, 'status' | 'attempts' | 'next_attempt_at' | 'last_status_code' | 'last_error' | 'first_attempt_at' | 'delivered_at' | 'locked_until'>>,
): Promise<void> {
  await tx.updateTable('webhook_deliveries').set(change).where('org_id', '=', row.org_id).where('delivery_id', '=', row.delivery_id).execute();
}

/** True when the endpoint had no successful delivery since `since`. */
export async function endpointFailingSince(tx: Db, orgId: string, endpointId: string, since: Date): Promise<boolean> {
  const success = await tx
    .selectFrom('webhook_deliveries')
    .select('delivery_id')
    .where('org_id', '=', orgId)
    .where('endpoint_id', '=', endpointId)
    .where('delivered_at', '>=', since)
    .executeTakeFirst();
  return success === undefined;
}
