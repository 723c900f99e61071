import type { BillingDeps } from '../billing/deps.js';
import { claimDueEmails, endpointFailingSince, findEndpoint, findEvent, finishEmail, recordAttempt, updateDelivery, type DeliveryRow } from '../db/deliveries.js';
import { disableEndpoint } from '../db/webhook-endpoints.js';
import { publishEvent } from '../notifications/publish.js';
import { sendWebhook } from '../providers/webhook-sender.js';
import { PUBLIC_TARGETS_ONLY } from '../providers/webhook-target.js';

/** Longer than a webhook attempt can take (WEBHOOK_TIMEOUT_MS), so a live attempt keeps its lease. */
export const LEASE_MS = 60_000;
const BATCH_SIZE = 100;
const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
/** Webhooks are retried for this long after their first attempt, then given up. */
export const WEBHOOK_RETRY_WINDOW_MS = 24 * HOUR_MS;
const MAX_EMAIL_ATTEMPTS = 8;

/** Exponential backoff: 30 s, 2 min, 8 min, 32 min, 2 h 8 min, then every 6 h. */
export function backoffMs(failures: number): number {
  return Math.min(30_000 * 4 ** (failures - 1), 6 * HOUR_MS);
}

export async function dispatchEmails(deps: BillingDeps): Promise<number> {
  const mailer = deps.mailer;
  if (!mailer) return 0;
  const now = deps.clock.now();
  const messages = await claimDueEmails(deps.db, now, new Date(now.getTime() + LEASE_MS), BATCH_SIZE);
  for (const message of messages) {
    const attempts = message.attempts + 1;
    try {
      await mailer.send({ to: message.to_address, subject: message.subject, text: message.body });
      await finishEmail(deps.db, message, { status: 'sent', attempts, next_attempt_at: null, last_error: null, sent_at: deps.clock.now() });
    } catch (error) {
      const giveUp = attempts >= MAX_EMAIL_ATTEMPTS;
      await finishEmail(deps.db, message, {
        status: giveUp ? 'failed' : 'pending',
        attempts,
        next_attempt_at: giveUp ? null : new Date(deps.clock.now().getTime() + backoffMs(attempts)),
        last_error: (error as Error).message.slice(0, 500),
        sent_at: null,
      });
    }
  }
  return messages.length;
}

/** The body every endpoint receives: {id, type, org_id, created_at, data}. */
export function webhookBody(event: { event_id: string; type: string; org_id: string; created_at: Date; data: Record<string, unknown> }): string {
  return JSON.stringify({ id: event.event_id, type: event.type, org_id: event.org_id, created_at: event.created_at.toISOString(), data: event.data });
}

/**
 * One attempt at a claimed delivery, and its outcome recorded. `stop` aborts the attempt when the
 * server shuts down: the lease is then given back unrecorded, so any server sends it again at once.
 */
export async function deliverWebhook(deps: BillingDeps, delivery: DeliveryRow, stop: AbortSignal): Promise<void> {
  const [endpoint, event] = await Promise.all([findEndpoint(deps.db, delivery.org_id, delivery.endpoint_id), findEvent(deps.db, delivery.org_id, delivery.event_id)]);
  if (!endpoint || !event || endpoint.status !== 'enabled' || endpoint.deleted_at !== null) {
    await updateDelivery(deps.db, delivery, { status: 'dead', last_error: 'endpoint disabled or removed', locked_until: null, next_attempt_at: null });
    return;
  }
  const result = await sendWebhook({ url: endpoint.url, secret: endpoint.secret, eventId: event.event_id, body: webhookBody(event), targets: deps.webhookTargets ?? PUBLIC_TARGETS_ONLY, signal: stop });
  if (stop.aborted) {
    await updateDelivery(deps.db, delivery, { locked_until: null });
    return;
  }
  const now = deps.clock.now();
  const attempts = delivery.attempts + 1;
  const firstAttemptAt = delivery.first_attempt_at ?? now;
  await deps.db.transaction().execute(async (tx) => {
    await recordAttempt(tx, { orgId: delivery.org_id, deliveryId: delivery.delivery_id, attempt: attempts, at: now, statusCode: result.statusCode, error: result.error, durationMs: result.durationMs });
    if (result.ok) {
      await updateDelivery(tx, delivery, { status: 'delivered', attempts, delivered_at: now, first_attempt_at: firstAttemptAt, last_status_code: result.statusCode, last_error: null, locked_until: null, next_attempt_at: null });
      return;
    }
    const nextAttemptAt = new Date(now.getTime() + backoffMs(attempts));
    const giveUp = nextAttemptAt.getTime() - firstAttemptAt.getTime() > WEBHOOK_RETRY_WINDOW_MS;
    await updateDelivery(tx, delivery, {
      status: giveUp ? 'dead' : 'pending',
      attempts,
      first_attempt_at: firstAttemptAt,
      last_status_code: result.statusCode,
      last_error: result.error,
      locked_until: null,
      next_attempt_at: giveUp ? null : nextAttemptAt,
    });
    if (giveUp && (await endpointFailingSince(tx, delivery.org_id, delivery.endpoint_id, new Date(now.getTime() - WEBHOOK_RETRY_WINDOW_MS)))) {
      await disableEndpoint(tx, { orgId: delivery.org_id, endpointId: delivery.endpoint_id, now });
      await publishEvent(tx, { orgId: delivery.org_id, type: 'webhook_endpoint.disabled', data: { endpoint_id: endpoint.endpoint_id, url: endpoint.url }, now }, deps);
    }
  });
}
