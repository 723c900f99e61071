import Stripe from 'stripe';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness.js';
import { balance } from './support/metering.js';
import { createOrgAt, org } from './support/billing.js';
import { deliverStripeEvent, stripeEvent } from './support/stripe-events.js';

/**
 * POST /v1/webhooks/stripe end to end: events signed by the Stripe SDK's own test helper, checked by
 * the SDK's constructEvent, applied once each and in any order.
 */
const SECRET = 'whsec_test_loupe_webhooks_0123456789';
const stripe = new Stripe('sk_test_unused');
let h: Harness;

beforeAll(async () => {
  h = await startHarness({ stripeWebhookSecret: SECRET });
});
afterAll(() => h.close());
afterEach(() => h.expectCleanAudit());

const event = stripeEvent;
const deliver = (payload: string, options: { secret?: string; timestamp?: number; signature?: string } = {}) => deliverStripeEvent(h, payload, { ...options, secret: options.secret ?? SECRET });

const subscriptionObject = (orgId: string, metadata: Record<string, string>, cancel = false) => ({
  id: `sub_${orgId}`,
  object: 'subscription',
  cancel_at_period_end: cancel,
  metadata: { loupe_org_id: orgId, ...metadata },
});

describe('Stripe webhooks', () => {
  it('a valid customer.subscription.updated applies the upgrade once; its replay changes nothing', async () => {
    const id = await createOrgAt(h, { plan: 'starter' });
    const payload = event('customer.subscription.updated', subscriptionObject(id, { loupe_plan: 'team' }));
    const first = await deliver(payload);
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toEqual({ received: true, outcome: 'applied' });
    expect((await org(h, id)).plan).toBe('team');
    expect((await balance(h, id)).plan.granted).toBe(10_000);
    const replay = await deliver(payload);
    expect(replay.json()).toEqual({ received: true, outcome: 'duplicate' });
    expect((await balance(h, id)).plan.granted).toBe(10_000);
  });

  it('an older event arriving after a newer one is ignored as stale', async () => {
    const id = await createOrgAt(h, { plan: 'starter' });
    const now = Math.floor(Date.now() / 1000);
    const newer = event('customer.subscription.updated', subscriptionObject(id, { loupe_plan: 'starter' }, true), { created: now });
    const older = event('customer.subscription.updated', subscriptionObject(id, { loupe_plan: 'starter' }, false), { created: now - 60 });
    expect((await deliver(newer)).json().outcome).toBe('applied');
    expect((await deliver(older)).json().outcome).toBe('stale');
    expect((await org(h, id)).subscription.cancel_at_period_end).toBe(true);
  });

  it('a forged signature, a tampered body, a stale timestamp or no signature → 400, nothing applied', async () => {
    const id = await createOrgAt(h, { plan: 'starter' });
    const payload = event('customer.subscription.updated', subscriptionObject(id, { loupe_plan: 'business' }));
    const forged = await deliver(payload, { secret: 'whsec_someone_else' });
    expect(forged.statusCode).toBe(400);
    expect(forged.json().code).toBe('WEBHOOK_SIGNATURE_INVALID');
    const signature = stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET });
    expect((await deliver(payload.replace('business', 'team'), { signature })).statusCode).toBe(400);
    expect((await deliver(payload, { timestamp: Math.floor(Date.now() / 1000) - 600 })).statusCode).toBe(400);
    const unsigned = await h.app.inject({ method: 'POST', url: '/v1/webhooks/stripe', headers: { 'content-type': 'application/json' }, payload });
    expect(unsigned.statusCode).toBe(400);
    expect((await org(h, id)).plan).toBe('starter');
  });

  it('an unknown event type → 200, ignored', async () => {
    const response = await deliver(event('customer.tax_id.created', { id: 'txi_1', object: 'tax_id' }));
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ received: true, outcome: 'ignored' });
  });

  it('payment_intent.succeeded settles a pending purchase: credits and invoice once; payment_failed adds nothing', async () => {
    const id = await createOrgAt(h, { plan: 'starter' });
    const now = h.clock.now();
    const pending = (purchaseId: string) => ({
      org_id: id,
      purchase_id: purchaseId,
      idempotency_key: `key-${purchaseId}`,
      request_hash: 'x',
      credits: 1_000,
      unit_price_cents: 1,
      amount_cents: 1_000,
      tax_cents: 0,
      total_cents: 1_000,
      currency: 'USD',
      status: 'pending' as const,
      failure_code: null,
      payment_method_id: null,
      provider_payment_id: null,
      invoice_id: null,
      grant_id: null,
      created_at: now,
      updated_at: now,
    });
    await h.db.insertInto('credit_purchases').values([pending('cp_paid'), pending('cp_failed')]).execute();
    const succeeded = event('payment_intent.succeeded', { id: 'pi_1', object: 'payment_intent', status: 'succeeded', metadata: { loupe_org_id: id, loupe_purchase_id: 'cp_paid' } });
    expect((await deliver(succeeded)).json().outcome).toBe('applied');
    expect((await deliver(succeeded)).json().outcome).toBe('duplicate');
    expect((await balance(h, id)).purchased.remaining).toBe(1_000);
    const failed = event('payment_intent.payment_failed', {
      id: 'pi_2',
      object: 'payment_intent',
      status: 'requires_payment_method',
      metadata: { loupe_org_id: id, loupe_purchase_id: 'cp_failed' },
      last_payment_error: { type: 'card_error', code: 'card_declined', decline_code: 'insufficient_funds' },
    });
    expect((await deliver(failed)).json().outcome).toBe('applied');
    expect((await balance(h, id)).purchased.remaining).toBe(1_000);
    const rows = await h.db.selectFrom('credit_purchases').select(['purchase_id', 'status', 'failure_code']).where('org_id', '=', id).orderBy('purchase_id').execute();
    expect(rows).toEqual([
      { purchase_id: 'cp_failed', status: 'failed', failure_code: 'insufficient_funds' },
      { purchase_id: 'cp_paid', status: 'succeeded', failure_code: null },
    ]);
  });

  it('the path answers 404 when Stripe is not configured', async () => {
    const local = await startHarness();
    try {
      const response = await local.app.inject({ method: 'POST', url: '/v1/webhooks/stripe', headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=x' }, payload: '{}' });
      expect(response.statusCode).toBe(404);
    } finally {
      await local.close();
    }
  });
});
