import type { Db } from './database.js';
import { randomBytes } from 'node:crypto';

/** The event types written to the outbox (delivered by the notifications issue's dispatcher). */
export const EVENT_TYPES = [
  'balance.low',
  'credits.exhausted',
  'overage.limit_warning',
  'overage.limit_reached',
  'purchase.succeeded',
  'purchase.refunded',
  'purchase.disputed',
  'payment.failed',
  'subscription.changed',
  'subscription.canceled',
  'auto_recharge.paused',
  'webhook_endpoint.disabled',
  'member.invited',
  'user_limit.warning',
  'user_limit.reached',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Writes an event in the caller's transaction, so it exists exactly when the change does. */
export async function recordEvent(tx: Db, event: { orgId: string; type: EventType; data: Record<string, unknown>; now: Date }): Promise<string> {
  const eventId = `evt_${randomBytes(12).toString('base64url')}`;
  await tx
    .insertInto('events')
    .values({ org_id: event.orgId, event_id: eventId, type: event.type, data: JSON.stringify(event.data), created_at: event.now })
    .execute();
  return eventId;
}

/** Events a ledger cycle wrote and nobody fanned out yet (for some orgs, or all), locked for this transaction. */
export async function claimPendingEvents(tx: Db, orgIds: readonly string[] | null, limit: number) {
  let query = tx.selectFrom('events').select(['org_id', 'event_id', 'type', 'data', 'created_at']).where('fan_out_pending', '=', true);
  if (orgIds !== null) query = query.where('org_id', 'in', orgIds.length > 0 ? [...orgIds] : ['']);
  return query.orderBy('created_at').orderBy('event_id').limit(limit).forUpdate().skipLocked().execute();
}

export async function markEventsFannedOut(tx: Db, events: readonly { org_id: string; event_id: string }[]): Promise<void> {
  for (const event of events) {
    await tx.updateTable('events').set({ fan_out_pending: false }).where('org_id', '=', event.org_id).where('event_id', '=', event.event_id).execute();
  }
}

export async function providerEventSeen(db: Db, eventId: string): Promise<boolean> {
  const row = await db.selectFrom('provider_events').select('event_id').where('event_id', '=', eventId).executeTakeFirst();
  return row !== undefined;
}

/** Remembers a provider event; false when it was seen before (a replay), so it is applied once. */
export async function rememberProviderEvent(tx: Db, event: { eventId: string; type: string; orgId: string | null; now: Date; outcome: string }): Promise<boolean> {
  const inserted = await tx
    .insertInto('provider_events')
    .values({ event_id: event.eventId, type: event.type, org_id: event.orgId, received_at: event.now, outcome: event.outcome })
    .onConflict((conflict) => conflict.column('event_id').doNothing())
    .executeTakeFirst();
  return Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1;
}
