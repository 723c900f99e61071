import type { Db } from './database.js';

/**
 * Leases on waiting deliveries: a dispatcher claims due rows with FOR UPDATE SKIP LOCKED and marks
 * them leased until `leaseUntil`; it then works without holding any lock. A dispatcher that dies
 * leaves the lease to run out, and the row is claimed again: nothing is lost (at-least-once).
 */
export async function claimDueEmails(db: Db, now: Date, leaseUntil: Date, limit: number) {
  return db.transaction().execute(async (tx) => {
    const rows = await tx
      .selectFrom('email_messages')
      .selectAll()
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]))
      .orderBy('next_attempt_at')
      .limit(limit)
      .forUpdate()
      .skipLocked()
      .execute();
    for (const row of rows) {
      await tx.updateTable('email_messages').set({ locked_until: leaseUntil }).where('org_id', '=', row.org_id).where('message_id', '=', row.message_id).execute();
    }
    return rows;
  });
}

export async function finishEmail(
  db: Db,
  row: { org_id: string; message_id: string },
  change: { status: 'pending' | 'sent' | 'failed'; attempts: number; next_attempt_at: Date | null; last_error: string | null; sent_at: Date | null },
): Promise<void> {
  await db.updateTable('email_messages').set({ ...change, locked_until: null }).where('org_id', '=', row.org_id).where('message_id', '=', row.message_id).execute();
}

export async function claimDueDeliveries(db: Db, now: Date, leaseUntil: Date, limit: number) {
  return db.transaction().execute(async (tx) => {
    const rows = await tx
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]))
      .orderBy('next_attempt_at')
      .limit(limit)
      .forUpdate()
      .skipLocked()
      .execute();
    for (const row of rows) {
      await tx.updateTable('webhook_deliveries').set({ locked_until: leaseUntil }).where('org_id', '=', row.org_id).where('delivery_id', '=', row.delivery_id).execute();
    }
    return rows;
  });
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
