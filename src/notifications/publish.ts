import { randomBytes } from 'node:crypto';
import type { Db } from '../db/database.js';
import { claimPendingEvents, markEventsFannedOut, recordEvent, type EventType } from '../db/events.js';
import { insertDeliveries, insertEmails } from '../db/deliveries.js';
import { listAdminContacts } from '../db/identity.js';
import { insertNotifications } from '../db/notifications.js';
import { findNotificationEmails, getOrgRow } from '../db/orgs.js';
import { listEnabledEndpoints } from '../db/webhook-endpoints.js';
import { describeEvent } from './messages.js';

/** Delivery choices made when the service starts: without SMTP_URL e-mails are kept, not sent. */
export interface NotificationOptions {
  readonly mailer: unknown;
}

const id = (prefix: string) => `${prefix}_${randomBytes(12).toString('base64url')}`;

/**
 * Writes an event in the caller's transaction together with everything that delivers it: an in-app
 * notification for each admin, an e-mail to each admin and extra address, and a webhook delivery for
 * each enabled endpoint that wants this type. So an event exists exactly when its cause does, and
 * every delivery of it is durable before the transaction commits.
 */
export async function publishEvent(
  tx: Db,
  event: { orgId: string; type: EventType; data: Record<string, unknown>; now: Date },
  options: NotificationOptions,
): Promise<string> {
  const eventId = await recordEvent(tx, event);
  await fanOut(tx, { ...event, eventId }, options);
  return eventId;
}

/**
 * The events a ledger cycle wrote (outbox rows, `fan_out_pending`), fanned out after its commit —
 * for the orgs named, or for every org (the job, which picks up what a crash left). Each event is
 * claimed under its row lock (SKIP LOCKED), so two servers never fan one out twice.
 */
export async function fanOutPendingEvents(deps: { db: Db } & NotificationOptions, orgIds: readonly string[] | null): Promise<number> {
  let done = 0;
  for (;;) {
    const claimed = await deps.db.transaction().execute(async (tx) => {
      const events = await claimPendingEvents(tx, orgIds, 100);
      for (const event of events) {
        await fanOut(tx, { orgId: event.org_id, eventId: event.event_id, type: event.type as EventType, data: event.data, now: event.created_at }, deps);
      }
      await markEventsFannedOut(tx, events);
      return events.length;
    });
    done += claimed;
    if (claimed < 100) return done;
  }
}

async function fanOut(
  tx: Db,
  event: { orgId: string; eventId: string; type: EventType; data: Record<string, unknown>; now: Date },
  options: NotificationOptions,
): Promise<void> {
  const { eventId } = event;
  const org = await getOrgRow(tx, event.orgId);
  const { title, body } = describeEvent(event.type, event.data, org.name);
  const admins = await listAdminContacts(tx, event.orgId);
  await insertNotifications(
    tx,
    admins.map((admin) => ({ org_id: event.orgId, notification_id: id('ntf'), event_id: eventId, user_id: admin.user_id, type: event.type, title, body, created_at: event.now, read_at: null })),
  );
  const addresses = [...new Set([...admins.map((admin) => admin.email), ...(await findNotificationEmails(tx, event.orgId))])];
  await insertEmails(
    tx,
    addresses.map((address) => ({
      org_id: event.orgId,
      message_id: id('msg'),
      event_id: eventId,
      to_address: address,
      subject: `[${org.name}] ${title}`,
      body,
      status: options.mailer ? ('pending' as const) : ('kept' as const),
      next_attempt_at: options.mailer ? event.now : null,
      locked_until: null,
      last_error: null,
      sent_at: null,
      created_at: event.now,
    })),
  );
  if (event.type === 'webhook_endpoint.disabled') return;
  const endpoints = await listEnabledEndpoints(tx, event.orgId);
  const wanted = endpoints.filter((endpoint) => endpoint.events.length === 0 || endpoint.events.includes(event.type));
  await insertDeliveries(
    tx,
    wanted.map((endpoint) => ({
      org_id: event.orgId,
      delivery_id: id('dlv'),
      endpoint_id: endpoint.endpoint_id,
      event_id: eventId,
      status: 'pending' as const,
      next_attempt_at: event.now,
      locked_until: null,
      last_status_code: null,
      last_error: null,
      first_attempt_at: null,
      delivered_at: null,
      created_at: event.now,
    })),
  );
}
