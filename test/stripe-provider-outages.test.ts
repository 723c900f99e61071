import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ProviderUnavailable } from '../src/providers/payments.js';
import { createStripeProvider } from '../src/providers/stripe.js';
import { CHARGE, PRO, rejection, SECRET_KEY, useStripeStandIn } from './support/stripe-stand-in.js';

/**
 * The Stripe adapter when Stripe is not answering as it should (5xx after retries, a refused
 * connection, a timeout, a rejected key): always ProviderUnavailable, never a card's fault. Against
 * the local stand-in (test/support/stripe-stand-in.ts).
 */
const { standIn, provider, apiBase } = useStripeStandIn();

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
    const stripe = createStripeProvider({ secretKey: SECRET_KEY, apiBase: { ...apiBase(), port }, maxNetworkRetries: 0 });
    expect(await rejection(stripe.charge(CHARGE))).toBeInstanceOf(ProviderUnavailable);
  });

  it('throws ProviderUnavailable when Stripe does not answer within the timeout', async () => {
    standIn.mode = 'hang';
    const error = await rejection(provider({ maxNetworkRetries: 0, timeoutMs: 200 }).charge(CHARGE));
    expect(error).toBeInstanceOf(ProviderUnavailable);
    expect((error as Error).message).toMatch(/timeout/i);
  });

  it('treats a rejected API key as ProviderUnavailable (a configuration fault, not the card)', async () => {
    const stripe = createStripeProvider({ secretKey: 'sk_test_wrong', apiBase: apiBase(), maxNetworkRetries: 0 });
    expect(await rejection(stripe.charge(CHARGE))).toBeInstanceOf(ProviderUnavailable);
  });
});

// ---------------------------------------------------------------------------------------------
