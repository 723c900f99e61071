import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness.js';
import { balance } from './support/metering.js';
import { addCard, CARDS, createOrgAt, invoices, purchase } from './support/billing.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
afterEach(() => h.expectCleanAudit());

describe('purchase limits and prices (California: no tax on SaaS)', () => {
  it.each([
    [100, 100, '$1.00'],
    [1_000, 1_000, '$10.00'],
    [100_000, 100_000, '$1,000.00'],
  ])('%i credits cost %i cents (%s) and are added at once, with their own invoice', async (credits, cents) => {
    const org = await createOrgAt(h, { region: 'CA' });
    await addCard(h, org);
    const response = await purchase(h, org, credits);
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json()).toMatchObject({ credits, unit_price_cents: 1, amount_cents: cents, tax_cents: 0, total_cents: cents, currency: 'USD', status: 'succeeded' });
    expect((await balance(h, org)).purchased.remaining).toBe(credits);
    const invoice = (await invoices(h, org)).find((candidate) => candidate.id === response.json().invoice_id);
    expect(invoice).toMatchObject({ kind: 'credit_purchase', status: 'paid', total_cents: cents });
    expect(invoice?.lines).toEqual([{ kind: 'credit_purchase', description: `${credits.toLocaleString('en-US')} AI credits`, quantity: credits, unit_price_cents: 1, amount_cents: cents }]);
  });

  it.each([99, 100_001, 1.5, -100, 0])('%s credits → 422 PURCHASE_OUT_OF_RANGE, nothing charged', async (credits) => {
    const org = await createOrgAt(h, {});
    await addCard(h, org);
    const response = await purchase(h, org, credits);
    expect(response.statusCode).toBe(422);
    expect(response.json()).toMatchObject({ code: 'PURCHASE_OUT_OF_RANGE', errors: { credits: [expect.stringContaining('100 to 100,000')] } });
    expect((await balance(h, org)).purchased.remaining).toBe(0);
    expect(await h.db.selectFrom('builtin_charges').selectAll().execute()).not.toContainEqual(expect.objectContaining({ amount_cents: credits }));
  });

  it('"abc" and a missing amount are refused naming credits', async () => {
    const org = await createOrgAt(h, {});
    for (const body of [{ credits: 'abc', idempotency_key: 'x1' }, { idempotency_key: 'x2' }]) {
      const response = await h.api('POST', `/v1/orgs/${org}/credit-purchases`, body);
      expect(response.statusCode).toBe(422);
      expect(Object.keys(response.json().errors)).toContain('credits');
    }
  });

  it('without a card → 422 NO_PAYMENT_METHOD', async () => {
    const org = await createOrgAt(h, {});
    const response = await purchase(h, org, 500);
    expect(response.statusCode).toBe(422);
    expect(response.json().code).toBe('NO_PAYMENT_METHOD');
  });
});

describe('tax by billing address', () => {
  it('a US state that taxes SaaS (New York)', async () => {
    const org = await createOrgAt(h, { region: 'NY' });
    await addCard(h, org);
    const bought = (await purchase(h, org, 1_000)).json();
    // New York's 4% state rate on $10.00 (the README's example): $0.40.
    expect(bought).toMatchObject({ amount_cents: 1_000, tax_cents: 40, total_cents: 1_040 });
    const [invoice] = await invoices(h, org).then((all) => all.filter((candidate) => candidate.kind === 'credit_purchase'));
    expect(invoice?.tax).toEqual([expect.objectContaining({ name: expect.stringContaining('New York'), amount_cents: bought.tax_cents })]);
  });

  it('an EU consumer pays their country’s VAT (Germany 19%)', async () => {
    const org = await createOrgAt(h, { country: 'DE' });
    await addCard(h, org);
    expect((await purchase(h, org, 1_000)).json()).toMatchObject({ amount_cents: 1_000, tax_cents: 190, total_cents: 1_190 });
  });

  it('an EU business with a VAT ID is reverse-charged, noted on the invoice', async () => {
    const org = await createOrgAt(h, { country: 'DE', vat_id: 'DE123456789' });
    await addCard(h, org);
    const bought = (await purchase(h, org, 1_000)).json();
    expect(bought).toMatchObject({ tax_cents: 0, total_cents: 1_000 });
    const invoice = (await invoices(h, org)).find((candidate) => candidate.id === bought.invoice_id);
    expect(invoice?.tax).toEqual([]);
    expect(invoice?.tax_note).toMatch(/reverse charge/i);
  });

  it('a zero-tax address (Hong Kong)', async () => {
    const org = await createOrgAt(h, { country: 'HK' });
    await addCard(h, org);
    expect((await purchase(h, org, 1_000)).json()).toMatchObject({ tax_cents: 0, total_cents: 1_000 });
  });

  it('an unknown country is refused on the address, not taxed at 0%', async () => {
    const response = await h.api('POST', '/v1/orgs', { name: 'x', plan: 'starter', billing_address: { country: 'ZZ' }, admin: { email: 'zz@zz.test', name: 'z' } });
    expect(response.statusCode).toBe(422);
    expect(Object.keys(response.json().errors)).toEqual(['billing_address.country']);
  });
});

describe('cards that fail', () => {
  it.each([
    [CARDS.declined, 'card_declined'],
    [CARDS.insufficientFunds, 'insufficient_funds'],
    [CARDS.failsWhenCharged, 'card_declined'],
  ])('%s is saved, then its charge is refused (%s): 402, nothing added', async (card, code) => {
    const org = await createOrgAt(h, {});
    await addCard(h, org, card);
    const response = await purchase(h, org, 1_000);
    expect(response.statusCode).toBe(402);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json()).toMatchObject({ code: 'PAYMENT_DECLINED', failure_code: code, purchase: { status: 'failed', failure_code: code } });
    expect((await balance(h, org)).purchased.remaining).toBe(0);
    expect((await invoices(h, org)).filter((invoice) => invoice.kind === 'credit_purchase')).toEqual([]);
    const events = await h.db.selectFrom('events').select('type').where('org_id', '=', org).execute();
    expect(events.map((event) => event.type)).toContain('payment.failed');
  });

  it.each([
    [{ card_number: '4242424242424241' }, 'card_number'],
    [{ exp_month: 1, exp_year: 2025 }, 'exp_month'],
    [{ cvc: '12' }, 'cvc'],
  ])('an invalid card %o is refused naming %s', async (change, field) => {
    const org = await createOrgAt(h, {});
    const response = await h.api('POST', `/v1/orgs/${org}/payment-methods`, { card_number: CARDS.ok, exp_month: 12, exp_year: 2030, cvc: '123', ...change });
    expect(response.statusCode).toBe(422);
    expect(Object.keys(response.json().errors)).toContain(field);
  });
});

describe('idempotent purchases', () => {
  it('the same key twice charges once', async () => {
    const org = await createOrgAt(h, {});
    await addCard(h, org);
    const body = { credits: 1_000, idempotency_key: 'buy-once' };
    const first = await h.api('POST', `/v1/orgs/${org}/credit-purchases`, body);
    const second = await h.api('POST', `/v1/orgs/${org}/credit-purchases`, body);
    expect(first.statusCode).toBe(201);
    expect(second.statusCode).toBe(200);
    expect(second.json()).toEqual(first.json());
    expect((await balance(h, org)).purchased.remaining).toBe(1_000);
    const conflict = await h.api('POST', `/v1/orgs/${org}/credit-purchases`, { ...body, credits: 2_000 });
    expect(conflict.statusCode).toBe(409);
  });

  it('ten simultaneous requests with one key charge once', async () => {
    const org = await createOrgAt(h, {});
    await addCard(h, org);
    const body = { credits: 700, idempotency_key: 'buy-at-once' };
    const answers = await Promise.all(Array.from({ length: 10 }, () => h.api('POST', `/v1/orgs/${org}/credit-purchases`, body)));
    expect(answers.filter((answer) => answer.statusCode === 201)).toHaveLength(1);
    expect(new Set(answers.map((answer) => answer.json().id)).size).toBe(1);
    expect((await balance(h, org)).purchased.remaining).toBe(700);
    const charges = await h.db.selectFrom('builtin_charges').selectAll().where('idempotency_key', '=', `purchase:${answers[0]!.json().id}`).execute();
    expect(charges).toHaveLength(1);
  });
});

describe('payment methods', () => {
  it('add, list, set default, remove (the newest other card becomes the default)', async () => {
    const org = await createOrgAt(h, {});
    const first = await addCard(h, org);
    expect(first).toMatchObject({ brand: 'visa', last4: '4242', default: true });
    const second = await addCard(h, org, '5555555555554444');
    expect(second).toMatchObject({ brand: 'mastercard', last4: '4444', default: false });
    expect((await h.api('POST', `/v1/orgs/${org}/payment-methods/${second.id}/default`)).json()).toMatchObject({ default: true });
    const listed = (await h.api('GET', `/v1/orgs/${org}/payment-methods`)).json().items;
    expect(listed.map((method: { last4: string; default: boolean }) => [method.last4, method.default]).sort()).toEqual([
      ['4242', false],
      ['4444', true],
    ]);
    expect((await h.api('DELETE', `/v1/orgs/${org}/payment-methods/${second.id}`)).statusCode).toBe(204);
    expect((await h.api('GET', `/v1/orgs/${org}/payment-methods`)).json().items).toEqual([expect.objectContaining({ last4: '4242', default: true })]);
    expect((await h.api('DELETE', `/v1/orgs/${org}/payment-methods/${second.id}`)).statusCode).toBe(404);
  });

  it('only brand, last 4 and expiry are stored', async () => {
    const org = await createOrgAt(h, {});
    await addCard(h, org);
    const rows = await h.db.selectFrom('payment_methods').selectAll().where('org_id', '=', org).execute();
    expect(JSON.stringify(rows)).not.toContain('4242424242424242');
    expect(JSON.stringify(rows)).not.toContain('"123"');
  });
});

describe('purchase quotes', () => {
  it('price and tax before confirming, with the same limits', async () => {
    const org = await createOrgAt(h, { country: 'DE' });
    expect((await h.api('GET', `/v1/orgs/${org}/credit-purchases/quote?credits=1000`)).json()).toMatchObject({
      credits: 1_000,
      amount_cents: 1_000,
      tax_cents: 190,
      total_cents: 1_190,
      min_credits: 100,
      max_credits: 100_000,
    });
    const refused = await h.api('GET', `/v1/orgs/${org}/credit-purchases/quote?credits=99`);
    expect(refused.statusCode).toBe(422);
    expect(refused.json().code).toBe('PURCHASE_OUT_OF_RANGE');
  });
});
