import { createHash } from 'node:crypto';
import Stripe from 'stripe';
import {
  CardRejected,
  DisputeNotDecidable,
  ProviderUnavailable,
  type ChargeOutcome,
  type PaymentProvider,
  type ProviderEvent,
  type SavedCard,
  type SubscriptionState,
} from './payments.js';

/**
 * The Stripe provider (official SDK). Cards are collected by Stripe Elements in the browser, so only
 * PaymentMethod ids reach this server. loupe-billing issues and charges its own invoices with
 * off-session PaymentIntents; the Stripe subscription is a mirror of the plan at amount 0 whose
 * webhook events confirm plan changes and cancellations (see parseStripeEvent).
 */

export interface StripeApiBase {
  readonly host: string;
  readonly port: number;
  readonly protocol: 'http' | 'https';
}

export interface StripeConfig {
  readonly secretKey: string;
  readonly webhookSecret: string;
  readonly apiBase?: StripeApiBase;
}

/** A webhook whose signature is missing, forged, made for another payload, or too old. */
export class WebhookSignatureInvalid extends Error {
  override name = 'WebhookSignatureInvalid';
}

const PLAN_PRODUCT = { id: 'loupe_billing_plan', name: 'loupe-billing plan mirror' } as const;
const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_NETWORK_RETRIES = 2;
const DEFAULT_WEBHOOK_TOLERANCE_SECONDS = 300;
// Stripe's own limits: descriptions up to 1,000 characters, metadata values up to 500.
const DESCRIPTION_LIMIT = 1_000;
const METADATA_VALUE_LIMIT = 500;

export function createStripeProvider(options: {
  secretKey: string;
  apiBase?: StripeApiBase;
  /** Retries of one request on connection errors, 409 and 5xx, all with the same idempotency key. */
  maxNetworkRetries?: number;
  timeoutMs?: number;
}): PaymentProvider {
  const stripe = new Stripe(options.secretKey, {
    ...(options.apiBase ?? {}),
    maxNetworkRetries: options.maxNetworkRetries ?? DEFAULT_MAX_NETWORK_RETRIES,
    timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  });
  let planProduct: Promise<string> | null = null;
  const ensurePlanProduct = (): Promise<string> => {
    planProduct ??= createPlanProduct(stripe).catch((error: unknown) => {
      planProduct = null;
      throw error;
    });
    return planProduct;
  };

  return {
    name: 'stripe',

    async createCustomer({ orgId, name, email }) {
      const customer = await unlessUnavailable('create customer', () =>
        stripe.customers.create(
          { name, ...(email === null ? {} : { email }), metadata: { loupe_org_id: orgId } },
          { idempotencyKey: `customer:${orgId}` },
        ),
      );
      return customer.id;
    },

    async savePaymentMethod({ customerId, method }): Promise<SavedCard> {
      if (!('stripePaymentMethodId' in method)) {
        throw new CardRejected('unsupported', 'Card numbers are entered in Stripe Elements; send the Stripe payment method id instead.', 'card_number');
      }
      const paymentMethodId = method.stripePaymentMethodId;
      const attached = await attachPaymentMethod(stripe, paymentMethodId, customerId);
      if (attached.card === undefined || attached.card === null) {
        throw new CardRejected('unsupported', 'Only card payment methods are supported.', 'stripe_payment_method_id');
      }
      return {
        providerRef: attached.id,
        brand: attached.card.brand,
        last4: attached.card.last4,
        expMonth: attached.card.exp_month,
        expYear: attached.card.exp_year,
      };
    },

    async removePaymentMethod(providerRef) {
      await unlessUnavailable('detach payment method', () =>
        stripe.paymentMethods.detach(providerRef, {}, { idempotencyKey: `payment-method-detach:${providerRef}` }),
      );
    },

    charge: (input) => charge(stripe, input),
    findCharge: (idempotencyKey) => findCharge(stripe, idempotencyKey),

    async refund(input) {
      // The Refunds API on the purchase's PaymentIntent; the idempotency key makes a retry answer the first refund.
      const refund = await unlessUnavailable('refund', () =>
        stripe.refunds.create(
          { payment_intent: input.providerPaymentId, amount: input.amountCents, metadata: limitMetadata(input.metadata) },
          { idempotencyKey: input.idempotencyKey },
        ),
      );
      return { providerRefundId: refund.id };
    },

    async undeliveredEvents() {
      // Stripe sends every event to the webhook.
      return [];
    },

    async decideDispute() {
      throw new DisputeNotDecidable('The card network decides Stripe disputes: submit evidence in the Stripe Dashboard; the outcome arrives as charge.dispute.closed.');
    },

    async requestSubscriptionChange({ customerId, subscriptionRef, desired }) {
      const subscription =
        subscriptionRef === null
          ? await createMirrorSubscription(stripe, { customerId, desired, productId: await ensurePlanProduct() })
          : await unlessUnavailable('update subscription', () =>
              // No explicit key: the update sets absolute values, and a key derived from them would
              // replay a stale answer when a change is undone and made again within Stripe's 24 h.
              stripe.subscriptions.update(subscriptionRef, {
                metadata: subscriptionMetadata(desired, { clearScheduledPlan: true }),
                cancel_at_period_end: desired.cancelAtPeriodEnd,
                proration_behavior: 'none',
              }),
            );
      return { subscriptionRef: subscription.id, events: [] };
    },
  };
}

async function attachPaymentMethod(stripe: Stripe, paymentMethodId: string, customerId: string): Promise<Stripe.PaymentMethod> {
  try {
    return await stripe.paymentMethods.attach(
      paymentMethodId,
      { customer: customerId },
      { idempotencyKey: `payment-method-attach:${paymentMethodId}:${customerId}` },
    );
  } catch (error) {
    if (error instanceof Stripe.errors.StripeCardError) {
      throw new CardRejected(failureCodeOf(error), error.message, 'stripe_payment_method_id');
    }
    // An unknown or already used PaymentMethod id is the caller's bad input, not an outage.
    if (error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'resource_missing') {
      throw new CardRejected('resource_missing', error.message, 'stripe_payment_method_id');
    }
    throw unavailable('attach payment method', error);
  }
}

type ChargeInput = Parameters<PaymentProvider['charge']>[0];

async function charge(stripe: Stripe, input: ChargeInput): Promise<ChargeOutcome> {
  if (!Number.isSafeInteger(input.amountCents) || input.amountCents <= 0) {
    throw new Error(`A charge must be a positive whole number of cents, got ${input.amountCents}`);
  }
  let intent: Stripe.PaymentIntent;
  try {
    intent = await stripe.paymentIntents.create(
      {
        amount: input.amountCents,
        currency: input.currency.toLowerCase(),
        customer: input.customerId,
        payment_method: input.providerRef,
        off_session: true,
        confirm: true,
        description: input.description.slice(0, DESCRIPTION_LIMIT),
        // The key in metadata lets reconciliation find this PaymentIntent again (findCharge).
        metadata: limitMetadata({ ...input.metadata, loupe_charge_key: input.idempotencyKey }),
      },
      { idempotencyKey: input.idempotencyKey },
    );
  } catch (error) {
    if (error instanceof Stripe.errors.StripeCardError) {
      return { status: 'failed', providerPaymentId: error.payment_intent?.id ?? null, failureCode: failureCodeOf(error), message: error.message };
    }
    throw unavailable('charge', error);
  }
  return outcomeOf(intent);
}

/**
 * Stripe's record of a charge by our idempotency key, through the Search API (which may lag new
 * PaymentIntents by up to a minute; reconciliation only looks at purchases older than that).
 */
async function findCharge(stripe: Stripe, idempotencyKey: string): Promise<ChargeOutcome | null> {
  let found: Stripe.ApiSearchResult<Stripe.PaymentIntent>;
  try {
    found = await stripe.paymentIntents.search({ query: `metadata['loupe_charge_key']:'${idempotencyKey.replaceAll("'", "\\'")}'`, limit: 1 });
  } catch (error) {
    throw unavailable('findCharge', error);
  }
  const intent = found.data[0];
  if (!intent) return null;
  try {
    return outcomeOf(intent);
  } catch {
    return null;
  }
}

function outcomeOf(intent: Stripe.PaymentIntent): ChargeOutcome {
  if (intent.status === 'succeeded') return { status: 'succeeded', providerPaymentId: intent.id };
  if (intent.status === 'requires_payment_method') {
    const lastError = intent.last_payment_error;
    return {
      status: 'failed',
      providerPaymentId: intent.id,
      failureCode: lastError ? failureCodeOf(lastError) : 'card_declined',
      message: lastError?.message ?? 'The charge failed.',
    };
  }
  // Off-session confirmation that needs the customer (3-D Secure) cannot finish here.
  if (intent.status === 'requires_action' || intent.status === 'requires_confirmation') {
    return { status: 'failed', providerPaymentId: intent.id, failureCode: 'authentication_required', message: 'The card needs the customer to authenticate the payment.' };
  }
  // 'processing' and the like are not failures: the payment.* webhook brings the outcome.
  throw new ProviderUnavailable(`Stripe left payment ${intent.id} in status ${intent.status}; its outcome will arrive by webhook.`);
}

/**
 * Stripe reports a generic decline as code `card_declined` with a `decline_code` naming the reason;
 * the specific reason (e.g. `insufficient_funds`) is kept so failure codes read like the built-in
 * provider's, while `generic_decline` stays `card_declined`.
 */
function failureCodeOf(error: { code?: string | undefined; decline_code?: string | undefined }): string {
  const code = error.code ?? 'card_declined';
  const declineCode = error.decline_code;
  if (code === 'card_declined' && declineCode !== undefined && declineCode !== 'generic_decline') return declineCode;
  return code;
}

async function createPlanProduct(stripe: Stripe): Promise<string> {
  try {
    const product = await stripe.products.create({ ...PLAN_PRODUCT }, { idempotencyKey: `product:${PLAN_PRODUCT.id}` });
    return product.id;
  } catch (error) {
    // Made earlier, after the idempotency key had expired: the fixed id makes it reusable.
    if (error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'resource_already_exists') return PLAN_PRODUCT.id;
    throw unavailable('create plan product', error);
  }
}

async function createMirrorSubscription(
  stripe: Stripe,
  input: { customerId: string; desired: SubscriptionState; productId: string },
): Promise<Stripe.Subscription> {
  const desiredHash = createHash('sha256').update(JSON.stringify(input.desired)).digest('hex').slice(0, 24);
  return unlessUnavailable('create subscription', () =>
    stripe.subscriptions.create(
      {
        customer: input.customerId,
        items: [{ price_data: { currency: 'usd', product: input.productId, unit_amount: 0, recurring: { interval: 'month' } } }],
        metadata: subscriptionMetadata(input.desired, { clearScheduledPlan: false }),
        cancel_at_period_end: input.desired.cancelAtPeriodEnd,
      },
      { idempotencyKey: `subscription-create:${input.customerId}:${desiredHash}` },
    ),
  );
}

/** On update, an empty value is how Stripe deletes a metadata key. */
function subscriptionMetadata(desired: SubscriptionState, options: { clearScheduledPlan: boolean }): Record<string, string> {
  const metadata: Record<string, string> = { loupe_org_id: desired.orgId, loupe_plan: desired.plan };
  if (desired.scheduledPlan !== null) metadata.loupe_scheduled_plan = desired.scheduledPlan;
  else if (options.clearScheduledPlan) metadata.loupe_scheduled_plan = '';
  return metadata;
}

function limitMetadata(metadata: Record<string, string>): Record<string, string> {
  for (const [key, value] of Object.entries(metadata)) {
    if (value.length > METADATA_VALUE_LIMIT) throw new Error(`Stripe metadata "${key}" is longer than ${METADATA_VALUE_LIMIT} characters`);
  }
  return metadata;
}

async function unlessUnavailable<T>(action: string, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    throw unavailable(action, error);
  }
}

/** Every Stripe failure that is not about the card: unreachable, 5xx, rate limit, bad key, bad request. */
function unavailable(action: string, error: unknown): ProviderUnavailable {
  const detail = error instanceof Stripe.errors.StripeError ? `${error.type}${error.code ? ` ${error.code}` : ''}: ${error.message}` : String(error);
  return new ProviderUnavailable(`Stripe could not ${action} (${detail})`, { cause: error });
}

// ---------------------------------------------------------------------------------------------
// Webhooks

/** Verifies a webhook's signature and age, then maps the Stripe event onto our ProviderEvent. */
export function parseStripeEvent(options: {
  webhookSecret: string;
  payload: string | Buffer;
  signature: string | undefined;
  toleranceSeconds?: number;
}): ProviderEvent {
  if (options.signature === undefined || options.signature === '') throw new WebhookSignatureInvalid('The Stripe-Signature header is missing.');
  let event: Stripe.Event;
  try {
    event = Stripe.webhooks.constructEvent(
      options.payload,
      options.signature,
      options.webhookSecret,
      options.toleranceSeconds ?? DEFAULT_WEBHOOK_TOLERANCE_SECONDS,
    );
  } catch (error) {
    if (error instanceof Stripe.errors.StripeSignatureVerificationError) throw new WebhookSignatureInvalid(error.message, { cause: error });
    throw error;
  }
  return mapEvent(event);
}

function mapEvent(event: Stripe.Event): ProviderEvent {
  const base = { id: event.id, createdAt: new Date(event.created * 1000) };
  const ignored: ProviderEvent = { ...base, type: 'ignored', providerType: event.type };
  switch (event.type) {
    // A subscription's creation confirms its first state just as an update confirms a change.
    case 'customer.subscription.created':
    case 'customer.subscription.updated': {
      const subscription = event.data.object;
      const orgId = metadataValue(subscription.metadata, 'loupe_org_id');
      const plan = metadataValue(subscription.metadata, 'loupe_plan');
      if (orgId === null || plan === null) return ignored;
      return {
        ...base,
        type: 'subscription.updated',
        subscription: {
          orgId,
          plan,
          scheduledPlan: metadataValue(subscription.metadata, 'loupe_scheduled_plan'),
          cancelAtPeriodEnd: subscription.cancel_at_period_end,
        },
      };
    }
    case 'customer.subscription.deleted': {
      const orgId = metadataValue(event.data.object.metadata, 'loupe_org_id');
      return orgId === null ? ignored : { ...base, type: 'subscription.deleted', orgId };
    }
    case 'payment_intent.succeeded':
    case 'payment_intent.payment_failed': {
      const intent = event.data.object;
      const lastError = intent.last_payment_error;
      return {
        ...base,
        type: event.type === 'payment_intent.succeeded' ? 'payment.succeeded' : 'payment.failed',
        providerPaymentId: intent.id,
        metadata: { ...intent.metadata },
        failureCode: lastError ? failureCodeOf(lastError) : undefined,
      };
    }
    case 'invoice.paid':
    case 'invoice.payment_failed': {
      const invoice = event.data.object;
      const metadata = invoice.metadata ?? {};
      if (metadataValue(metadata, 'loupe_invoice_id') === null && metadataValue(metadata, 'loupe_purchase_id') === null) return ignored;
      return {
        ...base,
        type: event.type === 'invoice.paid' ? 'payment.succeeded' : 'payment.failed',
        providerPaymentId: invoicePaymentIntentId(invoice) ?? invoice.id,
        metadata: { ...metadata },
      };
    }
    // A dispute names the PaymentIntent the purchase stores; one without it (a charge made outside
    // loupe-billing) is not ours. Stripe's `warning_closed` (an inquiry that never became a
    // chargeback) took no money: for the credits it is a dispute won.
    case 'charge.dispute.created':
    case 'charge.dispute.closed': {
      const dispute = event.data.object;
      const providerPaymentId = idOf(dispute.payment_intent);
      if (providerPaymentId === null) return ignored;
      const closed = event.type === 'charge.dispute.closed';
      if (closed && !['won', 'lost', 'warning_closed'].includes(dispute.status)) return ignored;
      return {
        ...base,
        type: closed ? 'dispute.closed' : 'dispute.opened',
        dispute: {
          providerDisputeId: dispute.id,
          providerPaymentId,
          amountCents: dispute.amount,
          currency: dispute.currency.toUpperCase(),
          reason: dispute.reason,
          outcome: closed ? (dispute.status === 'lost' ? 'lost' : 'won') : null,
        },
      };
    }
    default:
      return ignored;
  }
}

function metadataValue(metadata: Stripe.Metadata | null | undefined, key: string): string | null {
  const value = metadata?.[key];
  return value === undefined || value === '' ? null : value;
}

/**
 * API versions before 2025-03-31 put `payment_intent` on the invoice; later ones list it under
 * `payments` (only when expanded). The payload follows the webhook endpoint's API version, so both
 * are read.
 */
function invoicePaymentIntentId(invoice: Stripe.Invoice): string | null {
  const legacy: unknown = (invoice as unknown as { payment_intent?: unknown }).payment_intent;
  const fromLegacy = idOf(legacy);
  if (fromLegacy !== null) return fromLegacy;
  for (const payment of invoice.payments?.data ?? []) {
    const fromPayments = idOf(payment.payment.payment_intent);
    if (fromPayments !== null) return fromPayments;
  }
  return null;
}

function idOf(value: unknown): string | null {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'object' && value !== null && 'id' in value && typeof value.id === 'string') return value.id;
  return null;
}

// ---------------------------------------------------------------------------------------------
// Configuration

/**
 * Stripe is used when both STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET are set, the built-in
 * provider when neither is. STRIPE_API_BASE (e.g. http://127.0.0.1:12111) points the SDK at a local
 * stand-in instead of api.stripe.com.
 */
export function stripeConfigFromEnv(env: Readonly<Record<string, string | undefined>>): StripeConfig | null {
  const secretKey = env.STRIPE_SECRET_KEY || undefined;
  const webhookSecret = env.STRIPE_WEBHOOK_SECRET || undefined;
  if (secretKey === undefined && webhookSecret === undefined) {
    if (env.STRIPE_API_BASE) throw new Error('STRIPE_API_BASE is set but STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET are not');
    return null;
  }
  if (secretKey === undefined) throw new Error('STRIPE_SECRET_KEY is missing (STRIPE_WEBHOOK_SECRET is set; set both or neither)');
  if (webhookSecret === undefined) throw new Error('STRIPE_WEBHOOK_SECRET is missing (STRIPE_SECRET_KEY is set; set both or neither)');
  if (!/^(sk|rk)_/.test(secretKey)) throw new Error('STRIPE_SECRET_KEY must be a secret or restricted key (sk_… or rk_…), not a publishable key');
  if (!webhookSecret.startsWith('whsec_')) throw new Error('STRIPE_WEBHOOK_SECRET must be a webhook signing secret (whsec_…)');
  const apiBase = env.STRIPE_API_BASE ? parseApiBase(env.STRIPE_API_BASE) : undefined;
  return { secretKey, webhookSecret, ...(apiBase ? { apiBase } : {}) };
}

function parseApiBase(raw: string): StripeApiBase {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`STRIPE_API_BASE must be a URL like http://127.0.0.1:12111, got "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`STRIPE_API_BASE must use http or https, got "${raw}"`);
  if (url.pathname !== '/' || url.search !== '' || url.username !== '') {
    throw new Error(`STRIPE_API_BASE must be a bare origin such as http://127.0.0.1:12111, got "${raw}"`);
  }
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  const port = url.port === '' ? (protocol === 'http' ? 80 : 443) : Number(url.port);
  return { host: url.hostname, port, protocol };
}
