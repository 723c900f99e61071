import { sql, type Insertable, type Selectable } from 'kysely';
import type { Db } from './database.js';
import type { EmailMessagesTable, WebhookDeliveriesTable } from './schema.js';

/**
 * Leases on waiting deliveries: one statement claims due rows (FOR UPDATE SKIP LOCKED, so two
 * dispatchers never take the same row) and marks them leased until `leaseUntil`; the dispatcher then
 * works without holding any lock. A dispatcher that dies leaves the lease to run out, and the row is
 * claimed again: nothing is lost (at-least-once).
 */
export async function claimDueEmails(db: Db, now: Date, leaseUntil: Date, limit: number): Promise<Selectable<EmailMessagesTable>[]> {
  const { rows } = await sql<Selectable<EmailMessagesTable>>`
    UPDATE email_messages AS claimed SET locked_until = ${leaseUntil}
    WHERE (claimed.org_id, claimed.message_id) IN (
      SELECT org_id, message_id FROM email_messages
      WHERE status = 'pending' AND next_attempt_at <= ${now} AND (locked_until IS NULL OR locked_until < ${now})
      ORDER BY next_attempt_at LIMIT ${limit}
      FOR UPDATE SKIP LOCKED)
    RETURNING claimed.*`.execute(db);
  return rows;
}

export async function finishEmail(
  db: Db,
  row: { org_id: string; message_id: string },
  change: { status: 'pending' | 'sent' | 'failed'; attempts: number; next_attempt_at: Date | null; last_error: string | null; sent_at: Date | null },
): Promise<void> {
  await db.updateTable('email_messages').set({ ...change, locked_until: null }).where('org_id', '=', row.org_id).where('message_id', '=', row.message_id).execute();
}

export type DeliveryRow = Selectable<WebhookDeliveriesTable>;

/**
 * Claims due deliveries under a lease as claimDueEmails does, but never more than `perEndpoint`
 * leased at once for one endpoint, counting the leases of every dispatcher: an endpoint that never
 * answers ties up that many deliveries, and the rest of the claim goes to other endpoints. Two
 * dispatchers claiming at once never take the same row: the update re-checks each row's lease after
 * waiting for the other's write.
 */
export async function claimDueDeliveries(db: Db, input: { now: Date; leaseUntil: Date; limit: number; perEndpoint: number }): Promise<DeliveryRow[]> {
  const { rows } = await sql<DeliveryRow>`
    WITH busy AS (
      SELECT org_id, endpoint_id, count(*) AS leased FROM webhook_deliveries
      WHERE status = 'pending' AND locked_until >= ${input.now}
      GROUP BY org_id, endpoint_id
    ), ranked AS (
      SELECT due.org_id, due.delivery_id, due.next_attempt_at,
        coalesce(busy.leased, 0) + row_number() OVER (PARTITION BY due.org_id, due.endpoint_id ORDER BY due.next_attempt_at, due.delivery_id) AS place
      FROM webhook_deliveries AS due LEFT JOIN busy USING (org_id, endpoint_id)
      WHERE due.status = 'pending' AND due.next_attempt_at <= ${input.now} AND (due.locked_until IS NULL OR due.locked_until < ${input.now})
    ), picked AS (
      SELECT org_id, delivery_id FROM ranked WHERE place <= ${input.perEndpoint} ORDER BY next_attempt_at LIMIT ${input.limit}
    )
    UPDATE webhook_deliveries AS claimed SET locked_until = ${input.leaseUntil}
    FROM picked
    WHERE claimed.org_id = picked.org_id AND claimed.delivery_id = picked.delivery_id
      AND claimed.status = 'pending' AND (claimed.locked_until IS NULL OR claimed.locked_until < ${input.now})
    RETURNING claimed.*`.execute(db);
  return rows;
}

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

export async function insertEmails(tx: Db, rows: readonly Insertable<EmailMessagesTable>[]): Promise<void> {
  if (rows.length > 0) await tx.insertInto('email_messages').values([...rows]).execute();
}

export async function insertDeliveries(tx: Db, rows: readonly Insertable<WebhookDeliveriesTable>[]): Promise<void> {
  if (rows.length > 0) await tx.insertInto('webhook_deliveries').values([...rows]).execute();
}

export async function listDeliveries(db: Db, orgId: string, endpointId: string, limit: number) {
  const deliveries = await db
    .selectFrom('webhook_deliveries')
    .innerJoin('events', (join) => join.onRef('events.org_id', '=', 'webhook_deliveries.org_id').onRef('events.event_id', '=', 'webhook_deliveries.event_id'))
    .select([
      'webhook_deliveries.delivery_id',
      'webhook_deliveries.event_id',
      'events.type',
      'webhook_deliveries.status',
      'webhook_deliveries.attempts',
      'webhook_deliveries.next_attempt_at',
      'webhook_deliveries.last_status_code',
      'webhook_deliveries.last_error',
      'webhook_deliveries.delivered_at',
      'webhook_deliveries.created_at',
    ])
    .where('webhook_deliveries.org_id', '=', orgId)
    .where('webhook_deliveries.endpoint_id', '=', endpointId)
    .orderBy('webhook_deliveries.created_at', 'desc')
    .limit(limit)
    .execute();
  const ids = deliveries.map((delivery) => delivery.delivery_id);
  const attempts =
    ids.length === 0
      ? []
      : await db.selectFrom('webhook_attempts').selectAll().where('org_id', '=', orgId).where('delivery_id', 'in', ids).orderBy('attempt').execute();
  return deliveries.map((delivery) => ({ ...delivery, attempts_log: attempts.filter((attempt) => attempt.delivery_id === delivery.delivery_id) }));
}
