import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness.js';
import { advance, balance } from './support/metering.js';
import { addCard, createOrgAt, invoices, purchase } from './support/billing.js';
import { ProviderUnavailable, type PaymentProvider } from '../src/providers/payments.js';

/**
 * Payment faults injected between the provider and us: the charge's answer is lost after the card
 * was charged, or the provider cannot be reached before charging. Reconciliation repairs both from
 * the provider's own record: no credits without a payment, no payment without credits.
 */
type Fault = 'none' | 'lose-answer-after-charge' | 'unreachable-before-charge' | 'unreachable';
let fault: Fault = 'none';

function faulty(inner: PaymentProvider): PaymentProvider {
  return {
    ...inner,
    async charge(input) {
      if (fault === 'unreachable-before-charge') throw new ProviderUnavailable('connect ETIMEDOUT (injected)');
      const outcome = await inner.charge(input);
      if (fault === 'lose-answer-after-charge') throw new ProviderUnavailable('socket hang up after the charge (injected)');
      return outcome;
    },
    async savePaymentMethod(input) {
      if (fault === 'unreachable') throw new ProviderUnavailable('connect ECONNREFUSED 10.0.0.7:443 (injected)');
      return inner.savePaymentMethod(input);
    },
    async requestSubscriptionChange(input) {
      if (fault === 'unreachable') throw new ProviderUnavailable('socket hang up (injected)');
      return inner.requestSubscriptionChange(input);
    },
  };
}

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ wrapProvider: faulty });
});
afterAll(() => h.close());
afterEach(async () => {
  fault = 'none';
  await h.expectCleanAudit();
});

const chargesFor = (key: string) => h.db.selectFrom('builtin_charges').selectAll().where('idempotency_key', '=', key).execute();

describe('a purchase whose answer is lost after the card was charged', () => {
  it('stays pending with no credits, then reconciliation grants them once from the provider’s record', async () => {
    const org = await createOrgAt(h, { region: 'CA' });
    await addCard(h, org);
    fault = 'lose-answer-after-charge';
    const response = await purchase(h, org, 1_000);
    expect(response.statusCode).toBe(202);
    const { id } = response.json() as { id: string };
    expect(response.json().status).toBe('pending');
    expect((await balance(h, org)).purchased.remaining).toBe(0);
    expect(await chargesFor(`purchase:${id}`)).toHaveLength(1);
    fault = 'none';
    await advance(h, { seconds: 60 });
    expect((await balance(h, org)).purchased.remaining).toBe(0);
    await advance(h, { seconds: 90 });
    expect((await balance(h, org)).purchased.remaining).toBe(1_000);
    const purchases = (await h.api('GET', `/v1/orgs/${org}/credit-purchases`)).json().items;
    expect(purchases).toEqual([expect.objectContaining({ id, status: 'succeeded', invoice_id: expect.any(String) })]);
    await advance(h, { seconds: 600 });
    expect((await balance(h, org)).purchased.remaining).toBe(1_000);
    expect(await chargesFor(`purchase:${id}`)).toHaveLength(1);
    expect((await invoices(h, org)).filter((invoice) => invoice.kind === 'credit_purchase')).toHaveLength(1);
  });
});

describe('a purchase whose provider was unreachable before charging', () => {
  it('is failed by reconciliation with no charge and no credits', async () => {
    const org = await createOrgAt(h, {});
    await addCard(h, org);
    fault = 'unreachable-before-charge';
    const response = await purchase(h, org, 500);
    expect(response.statusCode).toBe(202);
    const { id } = response.json() as { id: string };
    fault = 'none';
    await advance(h, { seconds: 180 });
    const purchases = (await h.api('GET', `/v1/orgs/${org}/credit-purchases`)).json().items;
    expect(purchases).toEqual([expect.objectContaining({ id, status: 'failed', failure_code: 'provider_no_charge' })]);
    expect(await chargesFor(`purchase:${id}`)).toHaveLength(0);
    expect((await balance(h, org)).purchased.remaining).toBe(0);
  });
});

describe('a period invoice whose charge answer is lost', () => {
  it('is collected again with the same attempt key: paid once, charged once', async () => {
    const org = await createOrgAt(h, { plan: 'starter' });
    fault = 'lose-answer-after-charge';
    await addCard(h, org);
    await advance(h, { seconds: 1 });
    const [invoice] = await invoices(h, org);
    expect(invoice?.status).toBe('open');
    fault = 'none';
    await advance(h, { seconds: 1 });
    const [paid] = await invoices(h, org);
    expect(paid?.status).toBe('paid');
    expect(await chargesFor(`invoice:${paid!.id}:attempt:1`)).toHaveLength(1);
    const payments = await h.db.selectFrom('payments').select('status').where('invoice_id', '=', paid!.id).execute();
    expect(payments).toEqual([{ status: 'succeeded' }]);
  });
});

describe('a provider that cannot be reached where nothing can go on without it', () => {
  it('adding a card or changing the plan answers 503 PAYMENT_PROVIDER_UNAVAILABLE with Retry-After, without the provider’s words, and changes nothing', async () => {
    const org = await createOrgAt(h, { plan: 'starter', region: 'CA' });
    fault = 'unreachable';
    const card = await h.api('POST', `/v1/orgs/${org}/payment-methods`, { card_number: '4242424242424242', exp_month: 12, exp_year: 2030, cvc: '123' });
    const change = await h.api('POST', `/v1/orgs/${org}/subscription/change`, { plan: 'team' });
    for (const answer of [card, change]) {
      expect(answer.statusCode, answer.body).toBe(503);
      expect(answer.headers['content-type']).toContain('application/problem+json');
      expect(answer.headers['retry-after']).toBe('2');
      expect(answer.json()).toMatchObject({ code: 'PAYMENT_PROVIDER_UNAVAILABLE' });
      expect(answer.body).not.toMatch(/10\.0\.0\.7|hang up|injected/);
    }
    fault = 'none';
    expect(((await h.api('GET', `/v1/orgs/${org}/payment-methods`)).json() as { items: unknown[] }).items).toEqual([]);
    expect(((await h.api('GET', `/v1/orgs/${org}`)).json() as { plan: string }).plan).toBe('starter');
  });
});
