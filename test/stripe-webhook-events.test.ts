import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import type { ProviderEvent } from '../src/providers/payments.js';
import { parseStripeEvent, WebhookSignatureInvalid } from '../src/providers/stripe.js';

/**
 * Stripe webhook events read by the adapter: signed for real with the SDK's generateTestHeaderString,
 * verified by the SDK's constructEvent (signature and age), and mapped onto our ProviderEvents.
 */
const WEBHOOK_SECRET = 'whsec_standin_0123456789';
const signer = new Stripe('sk_test_unused');

function stripeEvent(type: string, object: Record<string, unknown>, created = 1_764_000_000) {
  return { id: `evt_${type.replace(/\W/g, '_')}`, object: 'event', api_version: '2026-10-28.endive', created, livemode: false, type, data: { object } };
}

function signed(event: object, options: { secret?: string; timestamp?: number } = {}) {
  const payload = JSON.stringify(event);
  const signature = signer.webhooks.generateTestHeaderString({
    payload,
    secret: options.secret ?? WEBHOOK_SECRET,
    ...(options.timestamp === undefined ? {} : { timestamp: options.timestamp }),
  });
  return { payload, signature };
}

function parse(event: object): ProviderEvent {
  return parseStripeEvent({ webhookSecret: WEBHOOK_SECRET, ...signed(event) });
}

const SUBSCRIPTION = {
  id: 'sub_123',
  object: 'subscription',
  customer: 'cus_42',
  status: 'active',
  cancel_at_period_end: true,
  metadata: { loupe_org_id: 'org_1', loupe_plan: 'pro', loupe_scheduled_plan: 'starter' },
};

describe('Stripe webhooks', () => {
  it('maps customer.subscription.updated to subscription.updated with the state in metadata', () => {
    expect(parse(stripeEvent('customer.subscription.updated', SUBSCRIPTION))).toEqual({
      id: 'evt_customer_subscription_updated',
      type: 'subscription.updated',
      createdAt: new Date(1_764_000_000_000),
      subscription: { orgId: 'org_1', plan: 'pro', scheduledPlan: 'starter', cancelAtPeriodEnd: true },
    });
  });

  it('reads a missing scheduled plan as null', () => {
    const event = parse(stripeEvent('customer.subscription.updated', { ...SUBSCRIPTION, cancel_at_period_end: false, metadata: { loupe_org_id: 'org_1', loupe_plan: 'pro' } }));
    expect(event).toMatchObject({ type: 'subscription.updated', subscription: { orgId: 'org_1', plan: 'pro', scheduledPlan: null, cancelAtPeriodEnd: false } });
  });

  it('maps customer.subscription.created like an update (it confirms the first plan)', () => {
    expect(parse(stripeEvent('customer.subscription.created', SUBSCRIPTION))).toMatchObject({ type: 'subscription.updated', subscription: { orgId: 'org_1', plan: 'pro' } });
  });

  it('ignores a subscription that loupe-billing did not make (no loupe metadata)', () => {
    expect(parse(stripeEvent('customer.subscription.updated', { ...SUBSCRIPTION, metadata: {} }))).toMatchObject({ type: 'ignored', providerType: 'customer.subscription.updated' });
  });

  it('maps customer.subscription.deleted to subscription.deleted for the org', () => {
    expect(parse(stripeEvent('customer.subscription.deleted', { ...SUBSCRIPTION, status: 'canceled' }))).toEqual({
      id: 'evt_customer_subscription_deleted',
      type: 'subscription.deleted',
      createdAt: new Date(1_764_000_000_000),
      orgId: 'org_1',
    });
  });

  it('maps payment_intent.succeeded to payment.succeeded with the intent id and metadata', () => {
    const intent = { id: 'pi_1', object: 'payment_intent', status: 'succeeded', metadata: { loupe_purchase_id: 'pur_123' }, last_payment_error: null };
    expect(parse(stripeEvent('payment_intent.succeeded', intent))).toEqual({
      id: 'evt_payment_intent_succeeded',
      type: 'payment.succeeded',
      createdAt: new Date(1_764_000_000_000),
      providerPaymentId: 'pi_1',
      metadata: { loupe_purchase_id: 'pur_123' },
      failureCode: undefined,
    });
  });

  it('maps payment_intent.payment_failed to payment.failed with the decline reason', () => {
    const intent = {
      id: 'pi_2',
      object: 'payment_intent',
      status: 'requires_payment_method',
      metadata: { loupe_invoice_id: 'inv_9' },
      last_payment_error: { type: 'card_error', code: 'card_declined', decline_code: 'insufficient_funds', message: 'Your card has insufficient funds.' },
    };
    expect(parse(stripeEvent('payment_intent.payment_failed', intent))).toMatchObject({
      type: 'payment.failed',
      providerPaymentId: 'pi_2',
      metadata: { loupe_invoice_id: 'inv_9' },
      failureCode: 'insufficient_funds',
    });
  });

  it('maps invoice.paid with loupe metadata to payment.succeeded, preferring the payment intent id', () => {
    const invoice = { id: 'in_1', object: 'invoice', payment_intent: 'pi_7', metadata: { loupe_invoice_id: 'inv_9' } };
    expect(parse(stripeEvent('invoice.paid', invoice))).toMatchObject({ type: 'payment.succeeded', providerPaymentId: 'pi_7', metadata: { loupe_invoice_id: 'inv_9' } });
  });

  it('reads the payment intent from invoice.payments on current API versions, else uses the invoice id', () => {
    const withPayments = {
      id: 'in_2',
      object: 'invoice',
      metadata: { loupe_purchase_id: 'pur_5' },
      payments: { object: 'list', data: [{ id: 'inpay_1', object: 'invoice_payment', payment: { type: 'payment_intent', payment_intent: 'pi_8' } }] },
    };
    expect(parse(stripeEvent('invoice.payment_failed', withPayments))).toMatchObject({ type: 'payment.failed', providerPaymentId: 'pi_8' });
    const bare = { id: 'in_3', object: 'invoice', metadata: { loupe_purchase_id: 'pur_6' } };
    expect(parse(stripeEvent('invoice.paid', bare))).toMatchObject({ type: 'payment.succeeded', providerPaymentId: 'in_3' });
  });

  it('ignores invoices without loupe metadata (e.g. the amount-0 mirror subscription’s own invoices)', () => {
    const invoice = { id: 'in_4', object: 'invoice', payment_intent: null, metadata: {} };
    expect(parse(stripeEvent('invoice.paid', invoice))).toEqual({ id: 'evt_invoice_paid', type: 'ignored', createdAt: new Date(1_764_000_000_000), providerType: 'invoice.paid' });
  });

  it('maps an unknown event type to ignored', () => {
    expect(parse(stripeEvent('charge.refunded', { id: 'ch_1', object: 'charge' }))).toMatchObject({ type: 'ignored', providerType: 'charge.refunded' });
  });

  it('accepts the payload as a Buffer (the raw request body)', () => {
    const { payload, signature } = signed(stripeEvent('customer.subscription.deleted', SUBSCRIPTION));
    expect(parseStripeEvent({ webhookSecret: WEBHOOK_SECRET, payload: Buffer.from(payload), signature })).toMatchObject({ type: 'subscription.deleted' });
  });

  it('rejects a signature made with another secret', () => {
    const forged = signed(stripeEvent('customer.subscription.deleted', SUBSCRIPTION), { secret: 'whsec_attacker' });
    expect(() => parseStripeEvent({ webhookSecret: WEBHOOK_SECRET, ...forged })).toThrow(WebhookSignatureInvalid);
  });

  it('rejects a payload changed after signing', () => {
    const { payload, signature } = signed(stripeEvent('customer.subscription.updated', SUBSCRIPTION));
    const tampered = payload.replace('"loupe_plan":"pro"', '"loupe_plan":"enterprise"');
    expect(tampered).not.toBe(payload);
    expect(() => parseStripeEvent({ webhookSecret: WEBHOOK_SECRET, payload: tampered, signature })).toThrow(WebhookSignatureInvalid);
  });

  it('rejects a signature older than the 300 s tolerance, accepts one just inside it', () => {
    const now = Math.floor(Date.now() / 1000);
    const event = stripeEvent('customer.subscription.deleted', SUBSCRIPTION);
    expect(() => parseStripeEvent({ webhookSecret: WEBHOOK_SECRET, ...signed(event, { timestamp: now - 600 }) })).toThrow(WebhookSignatureInvalid);
    expect(() => parseStripeEvent({ webhookSecret: WEBHOOK_SECRET, ...signed(event, { timestamp: now - 301 }) })).toThrow(WebhookSignatureInvalid);
    expect(parseStripeEvent({ webhookSecret: WEBHOOK_SECRET, ...signed(event, { timestamp: now - 290 }) })).toMatchObject({ type: 'subscription.deleted' });
  });

  it('honours a custom tolerance', () => {
    const now = Math.floor(Date.now() / 1000);
    const old = signed(stripeEvent('customer.subscription.deleted', SUBSCRIPTION), { timestamp: now - 600 });
    expect(parseStripeEvent({ webhookSecret: WEBHOOK_SECRET, ...old, toleranceSeconds: 900 })).toMatchObject({ type: 'subscription.deleted' });
  });

  it('rejects a missing or malformed signature header', () => {
    const { payload } = signed(stripeEvent('customer.subscription.deleted', SUBSCRIPTION));
    expect(() => parseStripeEvent({ webhookSecret: WEBHOOK_SECRET, payload, signature: undefined })).toThrow(WebhookSignatureInvalid);
    expect(() => parseStripeEvent({ webhookSecret: WEBHOOK_SECRET, payload, signature: 'garbage' })).toThrow(WebhookSignatureInvalid);
  });
});
