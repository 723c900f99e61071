import { describe, expect, it } from 'vitest';
import { CardRejected, type SubscriptionState } from '../src/providers/payments.js';
import { CHARGE, PRO, rejection, SECRET_KEY, useStripeStandIn } from './support/stripe-stand-in.js';

/**
 * The requests the Stripe adapter (src/providers/stripe.ts) sends, against a local stand-in for
 * api.stripe.com (test/support/stripe-stand-in.ts, which also says what this does not prove): the
 * method, path, parameters and idempotency keys we intend, and the SDK's answers and card errors
 * turned into our outcomes.
 */
const { standIn, provider, onlyRequest } = useStripeStandIn();

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
