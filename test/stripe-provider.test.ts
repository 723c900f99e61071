/**
 * The Stripe adapter (src/providers/stripe.ts) against a local stand-in for api.stripe.com.
 *
 * What the stand-in is: a node:http server on 127.0.0.1 that records every request the official SDK
 * sends (method, path, form-decoded body, Idempotency-Key, Authorization) and answers hand-written,
 * Stripe-shaped JSON for exactly the calls the adapter makes: customers, payment_methods attach and
 * detach, payment_intents, products, subscriptions create and update. Test payment method ids follow
 * Stripe's test names (`pm_card_chargeDeclined` answers 402 card_error `card_declined` /
 * `generic_decline`). Webhook events are signed for real with the SDK's generateTestHeaderString and
 * verified by the SDK's constructEvent.
 *
 * What it proves: the requests we send have the method, path, parameters and idempotency keys we
 * intend; the SDK's answers and errors (card error, 5xx after retries, refused connection, timeout)
 * become our outcomes and typed errors; webhooks are signature- and age-checked and mapped onto our
 * ProviderEvents.
 *
 * What it does not prove: anything about Stripe's real behaviour. Whether Stripe accepts these exact
 * parameters for this API version, real declines and fraud rules, 3-D Secure and other
 * authentication on off-session charges, real subscription semantics (periods, cancel_at_period_end
 * timing, which events are sent and in what order, amount-0 invoices), idempotency-key replay and
 * conflicts, rate limits, and webhook payload shapes of other API versions. Those need Stripe test
 * mode (e.g. `stripe listen` + test cards) before going live.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CardRejected, ProviderUnavailable, type ProviderEvent, type SubscriptionState } from '../src/providers/payments.js';
import { createStripeProvider, parseStripeEvent, stripeConfigFromEnv, WebhookSignatureInvalid, type StripeApiBase } from '../src/providers/stripe.js';

const SECRET_KEY = 'sk_test_standin_0123456789';
const WEBHOOK_SECRET = 'whsec_standin_0123456789';

interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly body: Record<string, string>;
  readonly idempotencyKey: string | undefined;
  readonly authorization: string | undefined;
}

type Reply = { status: number; body: unknown };

const cardError = (declineCode: string, message: string, paymentIntentId?: string): Reply => ({
  status: 402,
  body: {
    error: {
      type: 'card_error',
      code: 'card_declined',
      decline_code: declineCode,
      message,
      ...(paymentIntentId ? { payment_intent: { id: paymentIntentId, object: 'payment_intent', status: 'requires_payment_method' } } : {}),
    },
  },
});

const DECLINED = cardError('generic_decline', 'Your card was declined.');

/** The stand-in: records every request, answers the calls the adapter makes, 404 for anything else. */
class StripeStandIn {
  readonly requests: RecordedRequest[] = [];
  /** 'fail' answers 500 to everything; 'hang' never answers. */
  mode: 'normal' | 'fail' | 'hang' = 'normal';
  private productExists = false;
  private sequence = 0;
  private readonly server: Server = createServer((request, response) => void this.handle(request, response));
  private readonly hanging: ServerResponse[] = [];

  async start(): Promise<StripeApiBase> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return { host: '127.0.0.1', port: (this.server.address() as AddressInfo).port, protocol: 'http' };
  }

  async stop(): Promise<void> {
    for (const response of this.hanging) response.destroy();
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
  }

  reset(): void {
    this.requests.length = 0;
    this.mode = 'normal';
    this.productExists = false;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let raw = '';
    for await (const chunk of request) raw += String(chunk);
    const recorded: RecordedRequest = {
      method: request.method ?? '',
      path: request.url ?? '',
      body: Object.fromEntries(new URLSearchParams(raw)),
      idempotencyKey: header(request, 'idempotency-key'),
      authorization: header(request, 'authorization'),
    };
    this.requests.push(recorded);
    if (this.mode === 'hang') {
      this.hanging.push(response);
      return;
    }
    const reply = this.mode === 'fail' ? { status: 500, body: { error: { type: 'api_error', message: 'Stand-in outage.' } } } : this.route(recorded);
    response.writeHead(reply.status, { 'content-type': 'application/json', 'request-id': `req_standin_${this.sequence}` });
    response.end(JSON.stringify(reply.body));
  }

  private route(request: RecordedRequest): Reply {
    if (request.authorization !== `Bearer ${SECRET_KEY}`) {
      return { status: 401, body: { error: { type: 'invalid_request_error', message: 'Invalid API Key provided.' } } };
    }
    const id = (prefix: string) => `${prefix}_standin_${(this.sequence += 1)}`;
    const { method, path, body } = request;
    const metadata = prefixed(body, 'metadata');
    if (method === 'POST' && path === '/v1/customers') {
      return ok({ id: id('cus'), object: 'customer', name: body.name ?? null, email: body.email ?? null, metadata });
    }
    const paymentMethod = /^\/v1\/payment_methods\/([^/]+)\/(attach|detach)$/.exec(path);
    if (method === 'POST' && paymentMethod) {
      const [, paymentMethodId = '', action] = paymentMethod;
      if (action === 'attach' && paymentMethodId === 'pm_card_chargeDeclined') return DECLINED;
      if (action === 'attach' && paymentMethodId === 'pm_missing') {
        return { status: 400, body: { error: { type: 'invalid_request_error', code: 'resource_missing', param: 'payment_method', message: "No such PaymentMethod: 'pm_missing'" } } };
      }
      return ok(paymentMethodObject(paymentMethodId, action === 'attach' ? (body.customer ?? null) : null));
    }
    if (method === 'POST' && path === '/v1/payment_intents') return this.paymentIntent(body, metadata, id('pi'));
    if (method === 'POST' && path === '/v1/refunds') {
      return ok({ id: id('re'), object: 'refund', amount: Number(body.amount), payment_intent: body.payment_intent, status: 'succeeded', metadata });
    }
    if (method === 'POST' && path === '/v1/products') {
      if (this.productExists) {
        return { status: 400, body: { error: { type: 'invalid_request_error', code: 'resource_already_exists', message: 'Product already exists.' } } };
      }
      this.productExists = true;
      return ok({ id: body.id, object: 'product', name: body.name, active: true });
    }
    if (method === 'POST' && path === '/v1/subscriptions') return ok(subscriptionObject(id('sub'), body, metadata));
    const subscription = /^\/v1\/subscriptions\/([^/]+)$/.exec(path);
    if (method === 'POST' && subscription) return ok(subscriptionObject(subscription[1] ?? '', body, metadata));
    return { status: 404, body: { error: { type: 'invalid_request_error', message: `Unrecognized request URL (${method}: ${path}).` } } };
  }

  private paymentIntent(body: Record<string, string>, metadata: Record<string, string>, intentId: string): Reply {
    const paymentMethodId = body.payment_method;
    if (paymentMethodId === 'pm_card_chargeDeclined') return DECLINED;
    if (paymentMethodId === 'pm_card_chargeDeclinedInsufficientFunds') return cardError('insufficient_funds', 'Your card has insufficient funds.', intentId);
    const intent = {
      id: intentId,
      object: 'payment_intent',
      amount: Number(body.amount),
      currency: body.currency,
      customer: body.customer,
      payment_method: paymentMethodId,
      description: body.description,
      metadata,
      status: 'succeeded',
      last_payment_error: null,
    };
    // Not what Stripe answers to confirm=true (it answers 402), but a status the adapter must handle.
    if (paymentMethodId === 'pm_standin_requiresPaymentMethod') {
      return ok({ ...intent, status: 'requires_payment_method', last_payment_error: { type: 'card_error', code: 'expired_card', message: 'Your card has expired.' } });
    }
    return ok(intent);
  }
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function ok(body: unknown): Reply {
  return { status: 200, body };
}

/** Form fields `metadata[key]=value` → { key: value }. */
function prefixed(body: Record<string, string>, prefix: string): Record<string, string> {
  const entries = Object.entries(body).flatMap(([key, value]) => {
    const match = new RegExp(`^${prefix}\\[([^\\]]+)\\]$`).exec(key);
    return match?.[1] === undefined ? [] : [[match[1], value] as const];
  });
  return Object.fromEntries(entries);
}

function paymentMethodObject(id: string, customer: string | null) {
  return {
    id,
    object: 'payment_method',
    type: 'card',
    customer,
    card: { brand: 'visa', last4: '4242', exp_month: 12, exp_year: 2034, funding: 'credit', country: 'US' },
    metadata: {},
  };
}

function subscriptionObject(id: string, body: Record<string, string>, metadata: Record<string, string>) {
  return {
    id,
    object: 'subscription',
    customer: body.customer ?? 'cus_standin',
    status: 'active',
    cancel_at_period_end: body.cancel_at_period_end === 'true',
    metadata: Object.fromEntries(Object.entries(metadata).filter(([, value]) => value !== '')),
    items: { object: 'list', data: [], has_more: false, url: `/v1/subscription_items?subscription=${id}` },
  };
}

const standIn = new StripeStandIn();
let apiBase: StripeApiBase;

beforeAll(async () => {
  apiBase = await standIn.start();
});
afterAll(async () => {
  await standIn.stop();
});
beforeEach(() => {
  standIn.reset();
});

function provider(options: { maxNetworkRetries?: number; timeoutMs?: number } = {}) {
  return createStripeProvider({ secretKey: SECRET_KEY, apiBase, ...options });
}

function onlyRequest(): RecordedRequest {
  expect(standIn.requests).toHaveLength(1);
  return standIn.requests[0]!;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

const CHARGE = {
  customerId: 'cus_42',
  providerRef: 'pm_card_visa',
  amountCents: 2_500,
  currency: 'USD',
  idempotencyKey: 'purchase:pur_123:attempt:1',
  description: 'Loupe credits: 25,000',
  metadata: { loupe_purchase_id: 'pur_123', loupe_org_id: 'org_1' },
};

const PRO: SubscriptionState = { orgId: 'org_1', plan: 'pro', scheduledPlan: null, cancelAtPeriodEnd: false };

describe('Stripe provider requests', () => {
  it('creates a customer with the org in metadata, keyed by org', async () => {
    const customerId = await provider().createCustomer({ orgId: 'org_1', name: 'Acme', email: 'billing@acme.test' });
    const request = onlyRequest();
    expect(customerId).toMatch(/^cus_standin_/);
    expect(request).toMatchObject({
      method: 'POST',
      path: '/v1/customers',
      body: { name: 'Acme', email: 'billing@acme.test', 'metadata[loupe_org_id]': 'org_1' },
      idempotencyKey: 'customer:org_1',
      authorization: `Bearer ${SECRET_KEY}`,
    });
  });

  it('leaves out a missing email instead of sending an empty one', async () => {
    await provider().createCustomer({ orgId: 'org_2', name: 'No Mail Ltd', email: null });
    expect(Object.keys(onlyRequest().body).sort()).toEqual(['metadata[loupe_org_id]', 'name']);
  });

  it('attaches a payment method to the customer and returns only brand, last 4 and expiry', async () => {
    const saved = await provider().savePaymentMethod({ customerId: 'cus_42', method: { stripePaymentMethodId: 'pm_card_visa' } });
    expect(saved).toEqual({ providerRef: 'pm_card_visa', brand: 'visa', last4: '4242', expMonth: 12, expYear: 2034 });
    expect(onlyRequest()).toMatchObject({
      method: 'POST',
      path: '/v1/payment_methods/pm_card_visa/attach',
      body: { customer: 'cus_42' },
      idempotencyKey: 'payment-method-attach:pm_card_visa:cus_42',
    });
  });

  it('refuses raw card numbers without calling Stripe', async () => {
    const card = { card_number: '4242424242424242', exp_month: 12, exp_year: 2034, cvc: '123' };
    const error = await rejection(provider().savePaymentMethod({ customerId: 'cus_42', method: { card } }));
    expect(error).toBeInstanceOf(CardRejected);
    expect(error).toMatchObject({ code: 'unsupported', field: 'card_number' });
    expect(standIn.requests).toHaveLength(0);
  });

  it('turns a card declined on attach into CardRejected with the decline code', async () => {
    const error = await rejection(provider().savePaymentMethod({ customerId: 'cus_42', method: { stripePaymentMethodId: 'pm_card_chargeDeclined' } }));
    expect(error).toBeInstanceOf(CardRejected);
    expect(error).toMatchObject({ code: 'card_declined', message: 'Your card was declined.', field: 'stripe_payment_method_id' });
  });

  it('turns an unknown payment method id into CardRejected, not an outage', async () => {
    const error = await rejection(provider().savePaymentMethod({ customerId: 'cus_42', method: { stripePaymentMethodId: 'pm_missing' } }));
    expect(error).toBeInstanceOf(CardRejected);
    expect(error).toMatchObject({ code: 'resource_missing', field: 'stripe_payment_method_id' });
  });

  it('detaches a removed payment method', async () => {
    await provider().removePaymentMethod('pm_card_visa');
    expect(onlyRequest()).toMatchObject({ method: 'POST', path: '/v1/payment_methods/pm_card_visa/detach', idempotencyKey: 'payment-method-detach:pm_card_visa' });
  });

  it('charges off-session with a confirmed PaymentIntent under the caller’s idempotency key', async () => {
    const outcome = await provider().charge(CHARGE);
    expect(outcome).toEqual({ status: 'succeeded', providerPaymentId: expect.stringMatching(/^pi_standin_/) });
    expect(onlyRequest()).toMatchObject({
      method: 'POST',
      path: '/v1/payment_intents',
      body: {
        amount: '2500',
        currency: 'usd',
        customer: 'cus_42',
        payment_method: 'pm_card_visa',
        off_session: 'true',
        confirm: 'true',
        description: 'Loupe credits: 25,000',
        'metadata[loupe_purchase_id]': 'pur_123',
        'metadata[loupe_org_id]': 'org_1',
      },
      idempotencyKey: 'purchase:pur_123:attempt:1',
    });
  });

  it('refunds through the Refunds API on the purchase’s PaymentIntent, under the caller’s idempotency key', async () => {
    const refunded = await provider().refund({
      providerPaymentId: 'pi_standin_7',
      amountCents: 1_190,
      currency: 'USD',
      idempotencyKey: 'refund:rf_123',
      metadata: { loupe_org_id: 'org_1', loupe_purchase_id: 'pur_123', loupe_refund_id: 'rf_123' },
    });
    expect(refunded).toEqual({ providerRefundId: expect.stringMatching(/^re_standin_/) });
    expect(onlyRequest()).toMatchObject({
      method: 'POST',
      path: '/v1/refunds',
      body: { payment_intent: 'pi_standin_7', amount: '1190', 'metadata[loupe_refund_id]': 'rf_123', 'metadata[loupe_purchase_id]': 'pur_123' },
      idempotencyKey: 'refund:rf_123',
    });
  });

  it('reports a declined charge as failed with card_declined', async () => {
    const outcome = await provider().charge({ ...CHARGE, providerRef: 'pm_card_chargeDeclined' });
    expect(outcome).toEqual({ status: 'failed', providerPaymentId: null, failureCode: 'card_declined', message: 'Your card was declined.' });
  });

  it('reports a specific decline reason (insufficient funds) as the failure code, with the intent id', async () => {
    const outcome = await provider().charge({ ...CHARGE, providerRef: 'pm_card_chargeDeclinedInsufficientFunds' });
    expect(outcome).toMatchObject({ status: 'failed', providerPaymentId: expect.stringMatching(/^pi_standin_/), failureCode: 'insufficient_funds' });
  });

  it('reports an intent left in requires_payment_method as failed with its last error code', async () => {
    const outcome = await provider().charge({ ...CHARGE, providerRef: 'pm_standin_requiresPaymentMethod' });
    expect(outcome).toMatchObject({ status: 'failed', failureCode: 'expired_card', message: 'Your card has expired.' });
  });

  it('refuses a charge of 0 or a fraction of a cent before calling Stripe', async () => {
    await expect(provider().charge({ ...CHARGE, amountCents: 0 })).rejects.toThrow(/positive whole number of cents/);
    await expect(provider().charge({ ...CHARGE, amountCents: 10.5 })).rejects.toThrow(/positive whole number of cents/);
    expect(standIn.requests).toHaveLength(0);
  });

  it('creates the plan product once, then a mirror subscription at amount 0 with the plan in metadata', async () => {
    const stripe = provider();
    const result = await stripe.requestSubscriptionChange({ customerId: 'cus_42', subscriptionRef: null, desired: PRO });
    expect(result).toEqual({ subscriptionRef: expect.stringMatching(/^sub_standin_/), events: [] });
    const [product, subscription] = standIn.requests;
    expect(standIn.requests).toHaveLength(2);
    expect(product).toMatchObject({
      method: 'POST',
      path: '/v1/products',
      body: { id: 'loupe_billing_plan', name: 'loupe-billing plan mirror' },
      idempotencyKey: 'product:loupe_billing_plan',
    });
    expect(subscription).toMatchObject({ method: 'POST', path: '/v1/subscriptions', idempotencyKey: expect.stringMatching(/^subscription-create:cus_42:[0-9a-f]{24}$/) });
    expect(subscription?.body).toEqual({
      customer: 'cus_42',
      'items[0][price_data][currency]': 'usd',
      'items[0][price_data][product]': 'loupe_billing_plan',
      'items[0][price_data][unit_amount]': '0',
      'items[0][price_data][recurring][interval]': 'month',
      'metadata[loupe_org_id]': 'org_1',
      'metadata[loupe_plan]': 'pro',
      cancel_at_period_end: 'false',
    });

    standIn.reset();
    await stripe.requestSubscriptionChange({ customerId: 'cus_43', subscriptionRef: null, desired: { ...PRO, orgId: 'org_2' } });
    expect(standIn.requests.map((request) => request.path)).toEqual(['/v1/subscriptions']);
  });

  it('reuses the plan product made earlier (Stripe answers resource_already_exists)', async () => {
    await provider().requestSubscriptionChange({ customerId: 'cus_43', subscriptionRef: null, desired: PRO });
    standIn.requests.length = 0;
    const result = await provider().requestSubscriptionChange({ customerId: 'cus_44', subscriptionRef: null, desired: { ...PRO, orgId: 'org_3' } });
    expect(result.subscriptionRef).toMatch(/^sub_standin_/);
    expect(standIn.requests.map((request) => request.path)).toEqual(['/v1/products', '/v1/subscriptions']);
    expect(standIn.requests[1]?.body['items[0][price_data][product]']).toBe('loupe_billing_plan');
  });

  it('updates an existing subscription: scheduled downgrade, cancel at period end, no proration', async () => {
    const desired: SubscriptionState = { orgId: 'org_1', plan: 'pro', scheduledPlan: 'starter', cancelAtPeriodEnd: true };
    const result = await provider().requestSubscriptionChange({ customerId: 'cus_42', subscriptionRef: 'sub_123', desired });
    expect(result).toEqual({ subscriptionRef: 'sub_123', events: [] });
    const request = onlyRequest();
    expect(request).toMatchObject({ method: 'POST', path: '/v1/subscriptions/sub_123' });
    expect(request.body).toEqual({
      'metadata[loupe_org_id]': 'org_1',
      'metadata[loupe_plan]': 'pro',
      'metadata[loupe_scheduled_plan]': 'starter',
      cancel_at_period_end: 'true',
      proration_behavior: 'none',
    });
    // The SDK's own key: shared by its retries, fresh for the next change (so undoing and redoing works).
    expect(request.idempotencyKey).toMatch(/^stripe-node-retry-/);
  });

  it('clears a scheduled plan on update with an empty metadata value (Stripe deletes the key)', async () => {
    await provider().requestSubscriptionChange({ customerId: 'cus_42', subscriptionRef: 'sub_123', desired: PRO });
    expect(onlyRequest().body['metadata[loupe_scheduled_plan]']).toBe('');
  });
});

describe('Stripe provider outages', () => {
  it('retries a 500 twice with the same idempotency key, then throws ProviderUnavailable', async () => {
    standIn.mode = 'fail';
    const error = await rejection(provider().charge(CHARGE));
    expect(error).toBeInstanceOf(ProviderUnavailable);
    expect(standIn.requests).toHaveLength(3);
    expect(new Set(standIn.requests.map((request) => request.idempotencyKey))).toEqual(new Set([CHARGE.idempotencyKey]));
  });

  it('throws ProviderUnavailable for every method when Stripe answers 500', async () => {
    standIn.mode = 'fail';
    const stripe = provider({ maxNetworkRetries: 0 });
    const calls: Array<() => Promise<unknown>> = [
      () => stripe.createCustomer({ orgId: 'org_1', name: 'Acme', email: null }),
      () => stripe.savePaymentMethod({ customerId: 'cus_42', method: { stripePaymentMethodId: 'pm_card_visa' } }),
      () => stripe.removePaymentMethod('pm_card_visa'),
      () => stripe.requestSubscriptionChange({ customerId: 'cus_42', subscriptionRef: null, desired: PRO }),
      () => stripe.requestSubscriptionChange({ customerId: 'cus_42', subscriptionRef: 'sub_123', desired: PRO }),
      () => stripe.refund({ providerPaymentId: 'pi_1', amountCents: 100, currency: 'USD', idempotencyKey: 'refund:rf_1', metadata: {} }),
    ];
    for (const call of calls) expect(await rejection(call())).toBeInstanceOf(ProviderUnavailable);
  });

  it('throws ProviderUnavailable when nothing listens on the port', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as AddressInfo).port;
    closed.close();
    await once(closed, 'close');
    const stripe = createStripeProvider({ secretKey: SECRET_KEY, apiBase: { ...apiBase, port }, maxNetworkRetries: 0 });
    expect(await rejection(stripe.charge(CHARGE))).toBeInstanceOf(ProviderUnavailable);
  });

  it('throws ProviderUnavailable when Stripe does not answer within the timeout', async () => {
    standIn.mode = 'hang';
    const error = await rejection(provider({ maxNetworkRetries: 0, timeoutMs: 200 }).charge(CHARGE));
    expect(error).toBeInstanceOf(ProviderUnavailable);
    expect((error as Error).message).toMatch(/timeout/i);
  });

  it('treats a rejected API key as ProviderUnavailable (a configuration fault, not the card)', async () => {
    const stripe = createStripeProvider({ secretKey: 'sk_test_wrong', apiBase, maxNetworkRetries: 0 });
    expect(await rejection(stripe.charge(CHARGE))).toBeInstanceOf(ProviderUnavailable);
  });
});

// ---------------------------------------------------------------------------------------------

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

describe('stripeConfigFromEnv', () => {
  const keys = { STRIPE_SECRET_KEY: 'sk_test_abc', STRIPE_WEBHOOK_SECRET: 'whsec_abc' };

  it('is null when neither key is set (the built-in provider is used)', () => {
    expect(stripeConfigFromEnv({})).toBeNull();
    expect(stripeConfigFromEnv({ STRIPE_SECRET_KEY: '', STRIPE_WEBHOOK_SECRET: '' })).toBeNull();
  });

  it('reads both keys', () => {
    expect(stripeConfigFromEnv(keys)).toEqual({ secretKey: 'sk_test_abc', webhookSecret: 'whsec_abc' });
  });

  it('names the missing key when only one is set', () => {
    expect(() => stripeConfigFromEnv({ STRIPE_SECRET_KEY: 'sk_test_abc' })).toThrow(/STRIPE_WEBHOOK_SECRET is missing/);
    expect(() => stripeConfigFromEnv({ STRIPE_WEBHOOK_SECRET: 'whsec_abc' })).toThrow(/STRIPE_SECRET_KEY is missing/);
  });

  it('refuses a publishable key or a non-webhook secret', () => {
    expect(() => stripeConfigFromEnv({ ...keys, STRIPE_SECRET_KEY: 'pk_test_abc' })).toThrow(/STRIPE_SECRET_KEY/);
    expect(() => stripeConfigFromEnv({ ...keys, STRIPE_WEBHOOK_SECRET: 'sk_test_abc' })).toThrow(/STRIPE_WEBHOOK_SECRET/);
  });

  it('parses STRIPE_API_BASE into host, port and protocol', () => {
    expect(stripeConfigFromEnv({ ...keys, STRIPE_API_BASE: 'http://127.0.0.1:12111' })?.apiBase).toEqual({ host: '127.0.0.1', port: 12111, protocol: 'http' });
    expect(stripeConfigFromEnv({ ...keys, STRIPE_API_BASE: 'https://stripe.internal' })?.apiBase).toEqual({ host: 'stripe.internal', port: 443, protocol: 'https' });
  });

  it('refuses a STRIPE_API_BASE that is not a bare http(s) origin, or one without keys', () => {
    expect(() => stripeConfigFromEnv({ ...keys, STRIPE_API_BASE: 'not a url' })).toThrow(/STRIPE_API_BASE/);
    expect(() => stripeConfigFromEnv({ ...keys, STRIPE_API_BASE: 'ftp://127.0.0.1:21' })).toThrow(/STRIPE_API_BASE/);
    expect(() => stripeConfigFromEnv({ ...keys, STRIPE_API_BASE: 'http://127.0.0.1:12111/v1' })).toThrow(/STRIPE_API_BASE/);
    expect(() => stripeConfigFromEnv({ STRIPE_API_BASE: 'http://127.0.0.1:12111' })).toThrow(/STRIPE_API_BASE/);
  });
});
