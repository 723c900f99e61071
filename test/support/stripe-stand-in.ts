import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import type { SubscriptionState } from '../../src/providers/payments.js';
import { createStripeProvider, type StripeApiBase } from '../../src/providers/stripe.js';

/**
 * A local stand-in for api.stripe.com, for the Stripe adapter's tests (test/stripe-*.test.ts).
 *
 * What the stand-in is: a node:http server on 127.0.0.1 that records every request the official SDK
 * sends (method, path, form-decoded body, Idempotency-Key, Authorization) and answers hand-written,
 * Stripe-shaped JSON for exactly the calls the adapter makes: customers, payment_methods attach and
 * detach, payment_intents, refunds, products, subscriptions create and update. Test payment method
 * ids follow Stripe's test names (`pm_card_chargeDeclined` answers 402 card_error `card_declined` /
 * `generic_decline`).
 *
 * What it does not prove: anything about Stripe's real behaviour. Whether Stripe accepts these exact
 * parameters for this API version, real declines and fraud rules, 3-D Secure and other
 * authentication on off-session charges, real subscription semantics (periods, cancel_at_period_end
 * timing, which events are sent and in what order, amount-0 invoices), idempotency-key replay and
 * conflicts, rate limits, and webhook payload shapes of other API versions. Those need Stripe test
 * mode (e.g. `stripe listen` + test cards) before going live.
 */
export const SECRET_KEY = 'sk_test_standin_0123456789';

export interface RecordedRequest {
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
export class StripeStandIn {
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


/**
 * Starts the stand-in for a test file (cleared before each test) and gives the adapter pointed at it.
 * `onlyRequest` is the one request a call made; `apiBase()` is where the stand-in listens.
 */
export function useStripeStandIn() {
  const standIn = new StripeStandIn();
  let apiBase: StripeApiBase | undefined;
  beforeAll(async () => {
    apiBase = await standIn.start();
  });
  afterAll(async () => {
    await standIn.stop();
  });
  beforeEach(() => {
    standIn.reset();
  });
  const base = (): StripeApiBase => {
    if (!apiBase) throw new Error('the stand-in has not started');
    return apiBase;
  };
  return {
    standIn,
    apiBase: base,
    provider: (options: { maxNetworkRetries?: number; timeoutMs?: number } = {}) => createStripeProvider({ secretKey: SECRET_KEY, apiBase: base(), ...options }),
    onlyRequest(): RecordedRequest {
      expect(standIn.requests).toHaveLength(1);
      return standIn.requests[0]!;
    },
  };
}

/** The error a call failed with (the test fails if it did not). */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

export const CHARGE = {
  customerId: 'cus_42',
  providerRef: 'pm_card_visa',
  amountCents: 2_500,
  currency: 'USD',
  idempotencyKey: 'purchase:pur_123:attempt:1',
  description: 'Loupe credits: 25,000',
  metadata: { loupe_purchase_id: 'pur_123', loupe_org_id: 'org_1' },
};

export const PRO: SubscriptionState = { orgId: 'org_1', plan: 'pro', scheduledPlan: null, cancelAtPeriodEnd: false };
