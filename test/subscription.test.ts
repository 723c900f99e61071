import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness.js';
import { advance, authorize, balance, leavePlanCredits, record, setOnDemand } from './support/metering.js';
import { addCard, CARDS, createOrgAt, invoices, org, purchase } from './support/billing.js';
import { PROJECT_ROOT } from '../src/config.js';
import { PURGED_TABLES } from '../src/db/purge.js';
import { as, signIn } from './support/sessions.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
afterEach(() => h.expectCleanAudit());

const periodEnd = async (orgId: string) => new Date((await org(h, orgId)).subscription.current_period_end);

describe('three billing periods on the test clock', () => {
  it('period invoices carry the base cost, the closed period’s overage (cap 1,000 → $10.00); purchases have their own', async () => {
    const id = await createOrgAt(h, { plan: 'team', region: 'CA' });
    await addCard(h, id);
    await advance(h, { seconds: 1 });
    const [first] = await invoices(h, id);
    expect(first).toMatchObject({ kind: 'period', status: 'paid', total_cents: 19_900, plan: { id: 'team', name: 'Team', base_price_cents: 19_900 } });
    expect(first?.lines).toEqual([expect.objectContaining({ kind: 'subscription', quantity: 1, unit_price_cents: 19_900, amount_cents: 19_900 })]);

    // Period 1: use every plan credit and 1,000 on-demand credits, buy 500.
    await leavePlanCredits(h, id, 0);
    await setOnDemand(h, id, { enabled: true, monthly_limit_credits: 1_000 });
    await record(h, id, { tokens: 1_000_000 });
    expect(await authorize(h, id)).toMatchObject({ allowed: false, reason: 'OVERAGE_LIMIT_REACHED' });
    expect((await purchase(h, id, 500)).statusCode).toBe(201);
    await advance(h, await periodEnd(id));

    const second = (await invoices(h, id)).find((invoice) => invoice.kind === 'period' && invoice.id !== first?.id);
    expect(second?.lines.map((line) => [line.kind, line.quantity, line.unit_price_cents, line.amount_cents])).toEqual([
      ['subscription', 1, 19_900, 19_900],
      ['overage', 1_000, 1, 1_000],
    ]);
    expect(second).toMatchObject({ subtotal_cents: 20_900, tax_cents: 0, total_cents: 20_900, status: 'paid' });
    expect((await balance(h, id)).overage).toMatchObject({ used: 0, limit: 1_000 });
    expect((await balance(h, id)).purchased.remaining).toBe(500);

    // Period 2: no overage → the third invoice is the base cost alone.
    await advance(h, await periodEnd(id));
    const all = await invoices(h, id);
    expect(all.filter((invoice) => invoice.kind === 'period')).toHaveLength(3);
    expect(all.filter((invoice) => invoice.kind === 'credit_purchase')).toHaveLength(1);
    expect(all[0]).toMatchObject({ kind: 'period', total_cents: 19_900 });
    // Newest first, numbered without gaps.
    const numbers = all.map((invoice) => Number(invoice.number.slice(3))).sort((a, b) => a - b);
    expect(numbers).toEqual(numbers.map((_, index) => numbers[0]! + index));
  });
});

describe('plan changes', () => {
  it('an upgrade applies at once: credits raised by the difference, the price prorated on the next invoice', async () => {
    const id = await createOrgAt(h, { plan: 'starter', region: 'CA' });
    await addCard(h, id);
    const end = await periodEnd(id);
    const start = new Date((await org(h, id)).subscription.current_period_start);
    // Three quarters through the period: a quarter of the $150.00 difference is left to bill.
    const threeQuarters = new Date(start.getTime() + ((end.getTime() - start.getTime()) * 3) / 4);
    await advance(h, threeQuarters);
    await record(h, id, { tokens: 500_000 });
    const change = await h.api('POST', `/v1/orgs/${id}/subscription/change`, { plan: 'team' });
    expect(change.statusCode).toBe(202);
    expect(change.json().pending_change).toMatchObject({ plan: 'team' });
    expect((await org(h, id)).plan).toBe('team');
    expect(await balance(h, id)).toMatchObject({ plan: { granted: 10_000, remaining: 10_000 - 500 } });
    await advance(h, end);
    const next = (await invoices(h, id)).find((invoice) => invoice.lines.some((line) => line.kind === 'proration'));
    const proration = next?.lines.find((line) => line.kind === 'proration');
    expect(proration?.amount_cents).toBe(3_750);
    expect(next?.lines[0]).toMatchObject({ kind: 'subscription', amount_cents: 19_900 });
  });

  it('a downgrade waits for the period end, shows as scheduled and can be undone', async () => {
    const id = await createOrgAt(h, { plan: 'team' });
    await addCard(h, id);
    expect((await h.api('POST', `/v1/orgs/${id}/subscription/change`, { plan: 'starter' })).statusCode).toBe(202);
    expect(await org(h, id)).toMatchObject({ plan: 'team', subscription: { scheduled_plan: 'starter' } });
    expect((await h.api('POST', `/v1/orgs/${id}/subscription/resume`)).statusCode).toBe(202);
    expect((await org(h, id)).subscription.scheduled_plan).toBeNull();
    await h.api('POST', `/v1/orgs/${id}/subscription/change`, { plan: 'starter' });
    await advance(h, await periodEnd(id));
    expect(await org(h, id)).toMatchObject({ plan: 'starter', subscription: { scheduled_plan: null } });
    expect((await balance(h, id)).plan.granted).toBe(2_000);
    expect((await invoices(h, id))[0]).toMatchObject({ plan: { id: 'starter' }, total_cents: 4_900 });
  });

  it('a downgrade below the org’s member count is refused with a clear message', async () => {
    const id = await createOrgAt(h, { plan: 'team' });
    for (let index = 0; index < 5; index += 1) {
      await h.api('POST', `/v1/orgs/${id}/members`, { email: `m${index}@${id}.test`, name: 'M', role: 'member', password: 'member-password' });
    }
    const response = await h.api('POST', `/v1/orgs/${id}/subscription/change`, { plan: 'starter' });
    expect(response.statusCode).toBe(422);
    expect(response.json()).toMatchObject({ code: 'PLAN_USER_LIMIT', detail: expect.stringContaining('includes 5 users and the org has 6 members') });
  });

  it('open invitations count as seats when downgrading', async () => {
    const id = await createOrgAt(h, { plan: 'team' });
    const admin = await signIn(h, `admin@${id}.test`, 'admin-password');
    for (let index = 0; index < 5; index += 1) {
      expect((await h.api('POST', `/v1/orgs/${id}/members`, { email: `i${index}@${id}.test`, name: 'I', role: 'member' }, as(admin))).json().status).toBe('invited');
    }
    const response = await h.api('POST', `/v1/orgs/${id}/subscription/change`, { plan: 'starter' });
    expect(response.json()).toMatchObject({ code: 'PLAN_USER_LIMIT', detail: expect.stringContaining('includes 5 users and the org has 1 members and 5 open invitations') });
  });

  it('bad requests: the current plan, an unknown plan, cancel twice, resume with nothing to undo', async () => {
    const id = await createOrgAt(h, { plan: 'starter' });
    expect((await h.api('POST', `/v1/orgs/${id}/subscription/change`, { plan: 'starter' })).json().code).toBe('PLAN_UNCHANGED');
    expect((await h.api('POST', `/v1/orgs/${id}/subscription/change`, { plan: 'platinum' })).statusCode).toBe(422);
    expect((await h.api('POST', `/v1/orgs/${id}/subscription/resume`)).json().code).toBe('NOTHING_TO_RESUME');
    expect((await h.api('POST', `/v1/orgs/${id}/subscription/cancel`)).statusCode).toBe(202);
    const twice = await h.api('POST', `/v1/orgs/${id}/subscription/cancel`);
    expect(twice.statusCode).toBe(409);
    expect(twice.json().code).toBe('ALREADY_CANCELED');
  });
});

describe('cancellation', () => {
  it('AI access until the term ends, then SUBSCRIPTION_INACTIVE; readable and exportable for 30 days; then purged', async () => {
    const id = await createOrgAt(h, { plan: 'starter' });
    await addCard(h, id);
    await purchase(h, id, 300);
    await record(h, id, { tokens: 2_000 });
    const admin = await signIn(h, `admin@${id}.test`, 'admin-password');
    const invited = await h.api('POST', `/v1/orgs/${id}/members`, { email: `invitee@${id}.test`, name: 'Invitee', role: 'member' }, as(admin));
    expect(invited.json()).toMatchObject({ status: 'invited' });
    expect((await h.api('POST', `/v1/orgs/${id}/subscription/cancel`)).statusCode).toBe(202);
    expect((await org(h, id)).subscription.cancel_at_period_end).toBe(true);
    expect(await authorize(h, id)).toMatchObject({ allowed: true });
    const end = await periodEnd(id);
    await advance(h, end);
    expect((await org(h, id)).subscription.status).toBe('canceled');
    expect(await authorize(h, id)).toMatchObject({ allowed: false, reason: 'SUBSCRIPTION_INACTIVE' });
    const periodInvoices = (await invoices(h, id)).filter((invoice) => invoice.kind === 'period');
    expect(periodInvoices).toHaveLength(1);

    await advance(h, new Date(end.getTime() + 29 * 86_400_000));
    const exported = await h.api('GET', `/v1/orgs/${id}/export`);
    expect(exported.statusCode).toBe(200);
    expect(exported.json()).toMatchObject({ org: { id }, subscription: { status: 'canceled' } });
    expect(exported.json().usage).toHaveLength(1);
    expect(exported.json().invoices.length).toBeGreaterThanOrEqual(2);
    const zip = await h.api('GET', `/v1/orgs/${id}/export?format=zip`);
    expect(zip.headers['content-type']).toBe('application/zip');
    expect(zip.rawPayload.subarray(0, 2).toString()).toBe('PK');
    const csv = await h.api('GET', `/v1/orgs/${id}/usage.csv`);
    expect(csv.statusCode).toBe(200);

    await advance(h, new Date(end.getTime() + 30 * 86_400_000));
    expect((await h.api('GET', `/v1/orgs/${id}`)).statusCode).toBe(404);
    expect((await h.api('GET', `/v1/orgs/${id}/invoices`)).statusCode).toBe(404);
    const login = await h.api('POST', '/v1/auth/login', { email: `admin@${id}.test`, password: 'admin-password' }, {});
    expect(login.json().orgs).toEqual([]);
    // The financial archive keeps the invoices; everything else is gone.
    expect(await h.db.selectFrom('invoices').select('invoice_id').where('org_id', '=', id).execute()).toHaveLength(periodInvoices.length + 1);
    expect(await h.db.selectFrom('usage_records').select('usage_id').where('org_id', '=', id).execute()).toHaveLength(0);
    expect(await h.db.selectFrom('ledger_entries').select('entry_id').where('org_id', '=', id).execute()).toHaveLength(0);
    for (const table of PURGED_TABLES) {
      expect({ table, rows: (await h.db.selectFrom(table).select('org_id').where('org_id', '=', id).execute()).length }).toEqual({ table, rows: 0 });
    }
  });

  it('resuming before the end keeps the subscription; resubscribing within 30 days keeps purchased credits', async () => {
    const id = await createOrgAt(h, { plan: 'starter' });
    await addCard(h, id);
    await purchase(h, id, 400);
    await h.api('POST', `/v1/orgs/${id}/subscription/cancel`);
    await h.api('POST', `/v1/orgs/${id}/subscription/resume`);
    expect((await org(h, id)).subscription.cancel_at_period_end).toBe(false);
    await h.api('POST', `/v1/orgs/${id}/subscription/cancel`);
    await advance(h, await periodEnd(id));
    expect((await org(h, id)).subscription.status).toBe('canceled');
    expect(await balance(h, id)).toMatchObject({ purchased: { remaining: 400 }, plan: { remaining: 0 } });
    await advance(h, { seconds: 10 * 86_400 });
    expect((await h.api('POST', `/v1/orgs/${id}/subscription/change`, { plan: 'team' })).statusCode).toBe(202);
    expect(await org(h, id)).toMatchObject({ plan: 'team', subscription: { status: 'active' } });
    expect(await balance(h, id)).toMatchObject({ purchased: { remaining: 400 }, plan: { granted: 10_000 } });
    expect(await authorize(h, id)).toMatchObject({ allowed: true });
  });
});

describe('credits that end with the subscription', () => {
  it('tell the admins to choose a plan, not to buy credits', async () => {
    const id = await createOrgAt(h, { plan: 'starter' });
    await addCard(h, id);
    expect((await h.api('POST', `/v1/orgs/${id}/subscription/cancel`)).statusCode).toBe(202);
    await advance(h, await periodEnd(id));
    const events = await h.db.selectFrom('events').select('data').where('org_id', '=', id).where('type', '=', 'credits.exhausted').execute();
    expect(events.map((event) => (event.data as { subscription_ended?: boolean }).subscription_ended)).toEqual([true]);
    const notices = await h.db.selectFrom('notifications').select('body').where('org_id', '=', id).where('type', '=', 'credits.exhausted').execute();
    expect(notices.length).toBeGreaterThan(0);
    for (const notice of notices) expect(notice.body).toContain('Choose a plan in Billing');
  });
});

describe('failed period charges', () => {
  it('leave the invoice open, record payment.failed, retry after a day, and succeed once a good card is the default', async () => {
    const id = await createOrgAt(h, { plan: 'starter' });
    await addCard(h, id, CARDS.failsWhenCharged);
    await advance(h, { seconds: 1 });
    let [invoice] = await invoices(h, id);
    expect(invoice?.status).toBe('open');
    expect((await org(h, id)).subscription.status).toBe('past_due');
    const events = await h.db.selectFrom('events').select(['type', 'data']).where('org_id', '=', id).where('type', '=', 'payment.failed').execute();
    expect(events).toHaveLength(1);
    await advance(h, { seconds: 86_400 });
    const attempts = await h.db.selectFrom('payments').select('status').where('org_id', '=', id).where('invoice_id', '=', invoice!.id).execute();
    expect(attempts.map((attempt) => attempt.status)).toEqual(['failed', 'failed']);
    const good = await addCard(h, id);
    await h.api('POST', `/v1/orgs/${id}/payment-methods/${good.id}/default`);
    await advance(h, { seconds: 1 });
    [invoice] = await invoices(h, id);
    expect(invoice?.status).toBe('paid');
    expect((await org(h, id)).subscription.status).toBe('active');
    const history = (await h.api('GET', `/v1/orgs/${id}/billing-history`)).json().items;
    expect(history.map((item: { kind: string }) => item.kind)).toEqual(['payment_failed', 'payment_failed', 'subscription_charge']);
    // Written for a person: never the provider's code.
    expect(history[0].description).toMatch(/^Payment failed: the card (was declined|has insufficient funds)\.$/);
  });
});

describe('enterprise contracts', () => {
  it('a plan priced by contract is never self-serve: an admin is refused with 422 PLAN_NEEDS_CONTRACT, the platform key may', async () => {
    const id = await createOrgAt(h, { plan: 'team' });
    await addCard(h, id);
    const admin = await signIn(h, `admin@${id}.test`, 'admin-password');
    const refused = await h.api('POST', `/v1/orgs/${id}/subscription/change`, { plan: 'enterprise' }, as(admin));
    expect(refused.statusCode, refused.body).toBe(422);
    expect(refused.json()).toMatchObject({ code: 'PLAN_NEEDS_CONTRACT', errors: { plan: ['is priced by contract: contact sales'] } });
    expect((await org(h, id)).plan).toBe('team');
    // Sales agreed a contract: the operator's back office moves the org.
    expect((await h.api('POST', `/v1/orgs/${id}/subscription/change`, { plan: 'enterprise' })).statusCode).toBe(202);
    expect((await org(h, id)).plan).toBe('enterprise');
  });

  it('override included credits, prices, purchase limits and the period length', async () => {
    const id = await createOrgAt(h, { plan: 'enterprise' });
    await addCard(h, id);
    const terms = { base_price_cents: 500_000, included_credits: 250_000, period_unit: 'year', credit_price_cents: 2, overage_price_cents: 3, purchase_min_credits: 10, purchase_max_credits: 1_000_000 };
    const put = await h.api('PUT', `/v1/orgs/${id}/contract`, terms);
    expect(put.statusCode, put.body).toBe(200);
    expect((await h.api('GET', `/v1/orgs/${id}/contract`)).json()).toEqual(terms);
    expect((await purchase(h, id, 10)).json()).toMatchObject({ unit_price_cents: 2, amount_cents: 20 });
    await setOnDemand(h, id, { enabled: true, monthly_limit_credits: 0 });
    // 10 purchased credits first, then 7 on demand.
    await record(h, id, { tokens: 17_000 });
    await advance(h, await periodEnd(id));
    const now = await org(h, id);
    const length = new Date(now.subscription.current_period_end).getTime() - new Date(now.subscription.current_period_start).getTime();
    expect(length).toBeGreaterThanOrEqual(365 * 86_400_000);
    expect((await balance(h, id)).plan.granted).toBe(250_000);
    const [latest] = (await invoices(h, id)).filter((invoice) => invoice.kind === 'period');
    expect(latest?.lines.map((line) => [line.kind, line.quantity, line.unit_price_cents])).toEqual([
      ['subscription', 1, 500_000],
      ['overage', 7, 3],
    ]);
    const member = await h.api('PUT', `/v1/orgs/${id}/contract`, terms, { authorization: 'Bearer nope' });
    expect(member.statusCode).toBe(401);
  });
});

describe('invoice PDF', () => {
  it('is a real PDF whose text shows the invoice’s facts; page 1 rendered to PNG', async () => {
    const id = await createOrgAt(h, { plan: 'team', region: 'NY' });
    await addCard(h, id);
    await setOnDemand(h, id, { enabled: true, monthly_limit_credits: 1_000 });
    await leavePlanCredits(h, id, 0);
    await record(h, id, { tokens: 1_000_000 });
    await purchase(h, id, 1_000);
    await advance(h, await periodEnd(id));
    const [invoice] = (await invoices(h, id)).filter((candidate) => candidate.kind === 'period');
    const response = await h.api('GET', `/v1/orgs/${id}/invoices/${invoice!.id}/pdf`);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/pdf');
    const dir = path.join(PROJECT_ROOT, 'test-artifacts', 'invoices');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'period-invoice-from-api.pdf');
    writeFileSync(file, response.rawPayload);
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    for (const expected of [invoice!.number, 'Team', '$199.00', 'On-demand overage', '1,000', '$10.00', 'New York', 'Total']) expect(text).toContain(expected);
    execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', '-singlefile', file, path.join(dir, 'period-invoice-from-api')]);
  });
});
