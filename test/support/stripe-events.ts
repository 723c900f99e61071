import Stripe from 'stripe';
import type { Harness } from './harness.js';

/** The SDK signs test webhooks with its own helper; the key is never used. */
const signer = new Stripe('sk_test_unused');
let sequence = 0;

/** A Stripe event as Stripe sends it: `object` is the event's `data.object`. */
export function stripeEvent(type: string, object: Record<string, unknown>, options: { id?: string; created?: number } = {}): string {
  sequence += 1;
  return JSON.stringify({
    id: options.id ?? `evt_test_${sequence}_${Date.now()}`,
    object: 'event',
    api_version: '2026-10-28.endive',
    created: options.created ?? Math.floor(Date.now() / 1000),
    type,
    data: { object },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
  });
}

/** POSTs a payload to the Stripe webhook route, signed with `secret` (or with the signature given). */
export function deliverStripeEvent(h: Harness, payload: string, options: { secret: string; timestamp?: number; signature?: string }) {
  const signature =
    options.signature ?? signer.webhooks.generateTestHeaderString({ payload, secret: options.secret, ...(options.timestamp ? { timestamp: options.timestamp } : {}) });
  return h.app.inject({ method: 'POST', url: '/v1/webhooks/stripe', headers: { 'content-type': 'application/json', 'stripe-signature': signature }, payload });
}
