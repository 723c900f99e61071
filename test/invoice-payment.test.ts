/**
 * An invoice without a card waits for one instead of failing (issue 15, defect 6): no failed payment,
 * no "past due"; adding a card pays it in the same request, and "Pay now" charges an open invoice.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness.js';
import { advance } from './support/metering.js';
import { addCard, CARDS, createOrgAt, invoices, org, purchase } from './support/billing.js';
import { as, signIn } from './support/sessions.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
afterEach(() => h.expectCleanAudit());

const eventsOf = async (id: string, type: string) => h.db.selectFrom('events').select('type').where('org_id', '=', id).where('type', '=', type).execute();
const paymentsOf = async (id: string) => h.db.selectFrom('payments').select(['status', 'failure_code']).where('org_id', '=', id).where('invoice_id', 'is not', null).execute();
const pay = (id: string, invoiceId: string) => h.api('POST', `/v1/orgs/${id}/invoices/${invoiceId}/pay`);

describe('an invoice without a card', () => {
  it('waits for a card: open, the subscription active, no failed payment; adding a card pays it at once', async () => {
    const id = await createOrgAt(h, { plan: 'starter' });
    await advance(h, { seconds: 1 });
    const [first] = await invoices(h, id);
    expect(first).toMatchObject({ kind: 'period', status: 'open', total_cents: 4_900 });
    expect((await org(h, id)).subscription.status).toBe('active');
    expect(await eventsOf(id, 'payment.failed')).toEqual([]);
    expect(await paymentsOf(id)).toEqual([]);
    // The jobs do not try again and again while there is no card.
    await advance(h, { seconds: 3 * 86_400 });
    expect(await paymentsOf(id)).toEqual([]);

    await addCard(h, id);
    // Paid in the request that added the card: no job run in between.
    const [paid] = await invoices(h, id);
    expect(paid).toMatchObject({ id: first!.id, status: 'paid' });
    expect(await paymentsOf(id)).toEqual([{ status: 'succeeded', failure_code: null }]);
  });
});

describe('receipts', () => {
  it('a paid invoice names the card that paid it; a purchase invoice too; an open one none', async () => {
    const id = await createOrgAt(h, { plan: 'starter' });
    await advance(h, { seconds: 1 });
    expect((await invoices(h, id))[0]).toMatchObject({ status: 'open', paid_with: null });
    await addCard(h, id, '5555 5555 5555 4444');
    expect((await invoices(h, id))[0]).toMatchObject({ status: 'paid', paid_with: { brand: 'mastercard', last4: '4444' } });
    const visa = await addCard(h, id);
    expect((await h.api('POST', `/v1/orgs/${id}/payment-methods/${visa.id}/default`)).statusCode).toBe(200);
    expect((await purchase(h, id, 100)).statusCode).toBe(201);
    const bought = (await invoices(h, id)).find((invoice) => invoice.kind === 'credit_purchase');
    expect(bought).toMatchObject({ status: 'paid', paid_with: { brand: 'visa', last4: '4242' } });
    // A card removed later still names the payment it made.
    expect((await h.api('DELETE', `/v1/orgs/${id}/payment-methods/${visa.id}`)).statusCode).toBe(204);
    expect((await invoices(h, id)).find((invoice) => invoice.kind === 'credit_purchase')).toMatchObject({ paid_with: { brand: 'visa', last4: '4242' } });
    // The list names the cards too.
    const list = (await h.api('GET', `/v1/orgs/${id}/invoices`)).json() as { items: { kind: string; paid_with: unknown }[] };
    expect(list.items.map((item) => [item.kind, item.paid_with]).sort()).toEqual([
      ['credit_purchase', { brand: 'visa', last4: '4242' }],
      ['period', { brand: 'mastercard', last4: '4444' }],
    ]);
  });
});

describe('Pay now (POST …/invoices/{id}/pay)', () => {
  it('charges an open invoice to the default card: declined → 402 and still open, then paid; paid → 409', async () => {
    const id = await createOrgAt(h, { plan: 'starter' });
    await advance(h, { seconds: 1 });
    const [invoice] = await invoices(h, id);
    const noCard = await pay(id, invoice!.id);
    expect(noCard.statusCode).toBe(422);
    expect(noCard.json()).toMatchObject({ code: 'NO_PAYMENT_METHOD' });

    await addCard(h, id, CARDS.failsWhenCharged);
    expect((await invoices(h, id))[0]?.status).toBe('open');
    expect((await org(h, id)).subscription.status).toBe('past_due');
    const declined = await pay(id, invoice!.id);
    expect(declined.statusCode).toBe(402);
    expect(declined.json()).toMatchObject({ code: 'PAYMENT_DECLINED', detail: 'Payment failed: the card was declined. The invoice is still open.' });
    expect((await invoices(h, id))[0]?.status).toBe('open');

    const cards = (await h.api('GET', `/v1/orgs/${id}/payment-methods`)).json().items as { last4: string; default: boolean; last_charge_failed: { at: string; reason: string } | null }[];
    expect(cards).toEqual([expect.objectContaining({ last4: '0341', default: true, last_charge_failed: { at: expect.any(String), reason: 'Payment failed: the card was declined.' } })]);
    const good = await addCard(h, id);
    // A second card is not the default: the invoice waits for "Pay now" or a new default.
    expect((await invoices(h, id))[0]?.status).toBe('open');
    expect((await h.api('POST', `/v1/orgs/${id}/payment-methods/${good.id}/default`)).statusCode).toBe(200);
    expect((await invoices(h, id))[0]?.status).toBe('paid');
    expect((await org(h, id)).subscription.status).toBe('active');
    const after = (await h.api('GET', `/v1/orgs/${id}/payment-methods`)).json().items as { last4: string; last_charge_failed: unknown }[];
    expect(after.map((card) => [card.last4, card.last_charge_failed === null]).sort()).toEqual([['0341', false], ['4242', true]]);
    const again = await pay(id, invoice!.id);
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'INVOICE_NOT_OPEN' });
    expect((await paymentsOf(id)).map((payment) => payment.status).sort()).toEqual(['failed', 'failed', 'succeeded']);
  });

  it('members may not pay; another org’s admin finds no such invoice', async () => {
    const id = await createOrgAt(h, { plan: 'starter' });
    await advance(h, { seconds: 1 });
    const [invoice] = await invoices(h, id);
    const added = await h.api('POST', `/v1/orgs/${id}/members`, { email: `member@${id}.test`, name: 'Member', role: 'member', password: 'member-password' });
    expect(added.statusCode, added.body).toBe(201);
    const member = await signIn(h, `member@${id}.test`, 'member-password');
    expect((await h.api('POST', `/v1/orgs/${id}/invoices/${invoice!.id}/pay`, undefined, as(member))).statusCode).toBe(403);
    const other = await createOrgAt(h, { plan: 'starter' });
    await addCard(h, other);
    const outsider = await signIn(h, `admin@${other}.test`, 'admin-password');
    expect((await h.api('POST', `/v1/orgs/${other}/invoices/${invoice!.id}/pay`, undefined, as(outsider))).statusCode).toBe(404);
    expect((await h.api('POST', `/v1/orgs/${id}/invoices/${invoice!.id}/pay`, undefined, as(outsider))).statusCode).toBe(404);
    expect((await invoices(h, id))[0]?.status).toBe('open');
  });
});
