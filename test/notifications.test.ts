import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PLATFORM_KEY, startHarness, type Harness } from './support/harness.js';
import { advance, balance, leavePlanCredits, record, setOnDemand } from './support/metering.js';
import { addCard, CARDS, createOrgAt, org, purchase } from './support/billing.js';
import { startMailCatcher, startWebhookReceiver, type MailCatcher, type WebhookReceiver } from './support/receivers.js';

let h: Harness;
let mail: MailCatcher;
let hooks: WebhookReceiver;
let baseUrl: string;

beforeAll(async () => {
  mail = await startMailCatcher();
  hooks = await startWebhookReceiver();
  h = await startHarness({ smtpUrl: mail.url });
  baseUrl = await h.app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await h.close();
  await mail.close();
  await hooks.close();
});
afterEach(() => h.expectCleanAudit());

async function endpoint(orgId: string, events?: string[]) {
  const response = await h.api('POST', `/v1/orgs/${orgId}/webhook-endpoints`, { url: hooks.url, ...(events ? { events } : {}) });
  expect(response.statusCode, response.body).toBe(201);
  return response.json() as { id: string; secret: string };
}

const eventsOf = (orgId: string, type: string) => h.db.selectFrom('events').selectAll().where('org_id', '=', orgId).where('type', '=', type).execute();
const hooksFor = (orgId: string, type: string) => hooks.received.filter((hook) => JSON.parse(hook.body).org_id === orgId && JSON.parse(hook.body).type === type);
const mailsFor = (orgId: string, subject: string) => mail.messages.filter((message) => message.raw.includes(orgId) && message.raw.includes(subject));

function recordOverHttp(orgId: string, index: number) {
  return fetch(`${baseUrl}/v1/orgs/${orgId}/ai/usage`, {
    method: 'POST',
    headers: { authorization: `Bearer ${PLATFORM_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ idempotency_key: `c-${index}`, user_id: 'u', feature: 'assistant', action: 'chat', tokens: 1_000 }),
  });
}

describe('low balance', () => {
  it('200 simultaneous records crossing the threshold give exactly one e-mail, in-app notification and signed webhook', async () => {
    const id = await createOrgAt(h, { plan: 'starter' });
    const { secret } = await endpoint(id);
    await leavePlanCredits(h, id, 300);
    const answers = await Promise.all(Array.from({ length: 200 }, (_, index) => recordOverHttp(id, index)));
    expect(answers.every((answer) => answer.status === 201)).toBe(true);
    expect((await balance(h, id)).plan.remaining).toBe(100);
    await advance(h, { seconds: 1 });

    expect(await eventsOf(id, 'balance.low')).toHaveLength(1);
    const notifications = (await h.api('GET', `/v1/orgs/${id}/notifications`)).json();
    expect(notifications.items.filter((item: { type: string }) => item.type === 'balance.low')).toHaveLength(1);
    expect(notifications.unread_count).toBeGreaterThanOrEqual(1);
    expect(mailsFor(id, 'running low')).toHaveLength(1);
    const delivered = hooksFor(id, 'balance.low');
    expect(delivered).toHaveLength(1);
    const hook = delivered[0]!;
    const verified = new Webhook(secret).verify(hook.body, hook.headers as Record<string, string>) as { id: string; type: string; data: { remaining_credits: number; threshold: number } };
    expect(verified).toMatchObject({ type: 'balance.low', data: { threshold: 200 } });
    expect(hook.headers['webhook-id']).toBe(verified.id);
    expect(() => new Webhook(`whsec_${Buffer.from('another secret!!').toString('base64')}`).verify(hook.body, hook.headers as Record<string, string>)).toThrow();
  });

  it('re-arms after a purchase lifts the balance, and again in a new period', async () => {
    const id = await createOrgAt(h, { plan: 'starter', region: 'CA' });
    await addCard(h, id);
    await leavePlanCredits(h, id, 250);
    await record(h, id, { tokens: 100_000 });
    expect(await eventsOf(id, 'balance.low')).toHaveLength(1);
    await record(h, id, { tokens: 10_000 });
    expect(await eventsOf(id, 'balance.low')).toHaveLength(1);
    expect((await purchase(h, id, 100)).statusCode).toBe(201);
    await record(h, id, { tokens: 120_000 });
    expect(await eventsOf(id, 'balance.low')).toHaveLength(2);
    await advance(h, new Date((await org(h, id)).subscription.current_period_end));
    // 50 plan + 100 purchased = 150, below the 200 line again.
    await leavePlanCredits(h, id, 50);
    expect(await eventsOf(id, 'balance.low')).toHaveLength(3);
  });
});

describe('other alerts', () => {
  it('credits.exhausted once at the hard stop; overage 80% warning and limit reached once each', async () => {
    const id = await createOrgAt(h, { plan: 'starter' });
    await leavePlanCredits(h, id, 5);
    await record(h, id, { tokens: 5_000 });
    await record(h, id, { tokens: 1_000 });
    expect(await eventsOf(id, 'credits.exhausted')).toHaveLength(1);
    await setOnDemand(h, id, { enabled: true, monthly_limit_credits: 100 });
    await record(h, id, { tokens: 79_000 });
    expect(await eventsOf(id, 'overage.limit_warning')).toHaveLength(0);
    await record(h, id, { tokens: 1_000 });
    await record(h, id, { tokens: 1_000 });
    expect(await eventsOf(id, 'overage.limit_warning')).toHaveLength(1);
    await record(h, id, { tokens: 50_000 });
    expect(await eventsOf(id, 'overage.limit_reached')).toHaveLength(1);
    expect(await eventsOf(id, 'overage.limit_warning')).toHaveLength(1);
  });
});

describe('in-app notifications', () => {
  it('?unread=true pages over unread notifications only: a full page while more are unread', async () => {
    const id = await createOrgAt(h, { plan: 'starter' });
    const admin = await h.db.selectFrom('memberships').select('user_id').where('org_id', '=', id).executeTakeFirstOrThrow();
    // Newest first: the 3 newest are read, then 4 unread.
    const rows = Array.from({ length: 7 }, (_, index) => ({
      org_id: id,
      notification_id: `ntf_${index}`,
      event_id: `evt_${index}`,
      user_id: admin.user_id,
      type: 'balance.low',
      title: `Notice ${index}`,
      body: 'Body',
      created_at: new Date(Date.UTC(2026, 0, 1, 0, index)),
      read_at: index >= 4 ? new Date(Date.UTC(2026, 0, 2)) : null,
    }));
    await h.db.insertInto('notifications').values(rows).execute();
    const first = (await h.api('GET', `/v1/orgs/${id}/notifications?unread=true&limit=2`)).json();
    expect(first.items.map((item: { id: string }) => item.id)).toEqual(['ntf_3', 'ntf_2']);
    expect(first.next_cursor).not.toBeNull();
    const second = (await h.api('GET', `/v1/orgs/${id}/notifications?unread=true&limit=2&cursor=${first.next_cursor}`)).json();
    expect(second.items.map((item: { id: string }) => item.id)).toEqual(['ntf_1', 'ntf_0']);
    expect(first.unread_count).toBe(4);
  });
});

describe('webhook delivery', () => {
  it('a receiver that fails 3 times gets the event again after each failure, and the log shows every attempt', async () => {
    const id = await createOrgAt(h, { plan: 'starter' });
    const { id: endpointId } = await endpoint(id, ['credits.exhausted']);
    hooks.answers = [500, 503, 500];
    await leavePlanCredits(h, id, 1);
    await record(h, id, { tokens: 1_000 });
    await advance(h, { seconds: 1 });
    for (const wait of [30, 120, 480]) await advance(h, { seconds: wait });
    const got = hooksFor(id, 'credits.exhausted');
    expect(got).toHaveLength(4);
    expect(new Set(got.map((hook) => hook.headers['webhook-id'])).size).toBe(1);
    const log = (await h.api('GET', `/v1/orgs/${id}/webhook-endpoints/${endpointId}/deliveries`)).json().items;
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ type: 'credits.exhausted', status: 'delivered' });
    expect(log[0].attempts.map((attempt: { status_code: number }) => attempt.status_code)).toEqual([500, 503, 500, 200]);
  });

  it('a dispatcher that dies mid-delivery loses nothing: the lease runs out and the event goes out', async () => {
    const id = await createOrgAt(h, { plan: 'starter' });
    await endpoint(id, ['credits.exhausted']);
    await leavePlanCredits(h, id, 1);
    await record(h, id, { tokens: 1_000 });
    // A dispatcher claimed the delivery (its lease runs 60 s) and was killed before sending it.
    const leaseUntil = new Date(h.clock.now().getTime() + 60_000);
    await h.db.updateTable('webhook_deliveries').set({ locked_until: leaseUntil }).where('org_id', '=', id).execute();
    await advance(h, { seconds: 1 });
    expect(hooksFor(id, 'credits.exhausted')).toHaveLength(0);
    await advance(h, { seconds: 60 });
    expect(hooksFor(id, 'credits.exhausted')).toHaveLength(1);
  });

  it('an endpoint failing for 24 hours is disabled, with an in-app notification saying so', async () => {
    const id = await createOrgAt(h, { plan: 'starter' });
    const { id: endpointId } = await endpoint(id, ['credits.exhausted']);
    hooks.answers = Array(30).fill(500);
    await leavePlanCredits(h, id, 1);
    await record(h, id, { tokens: 1_000 });
    for (let step = 0; step < 12; step += 1) await advance(h, { seconds: 6 * 3_600 });
    hooks.answers = [];
    const endpoints = (await h.api('GET', `/v1/orgs/${id}/webhook-endpoints`)).json().items;
    expect(endpoints).toEqual([expect.objectContaining({ id: endpointId, status: 'disabled' })]);
    const log = (await h.api('GET', `/v1/orgs/${id}/webhook-endpoints/${endpointId}/deliveries`)).json().items;
    expect(log[0].status).toBe('dead');
    const notifications = (await h.api('GET', `/v1/orgs/${id}/notifications`)).json().items;
    expect(notifications.map((item: { type: string }) => item.type)).toContain('webhook_endpoint.disabled');
  });
});

describe('auto-recharge', () => {
  it('buys once per crossing under concurrency, within the purchase limits', async () => {
    const id = await createOrgAt(h, { plan: 'starter', region: 'CA' });
    expect((await h.api('PUT', `/v1/orgs/${id}/settings/auto-recharge`, { enabled: true, threshold_credits: 500, amount_credits: 1_000 })).json().code).toBe('NO_PAYMENT_METHOD');
    await addCard(h, id);
    const outOfRange = await h.api('PUT', `/v1/orgs/${id}/settings/auto-recharge`, { enabled: true, threshold_credits: 500, amount_credits: 50 });
    expect(outOfRange.statusCode).toBe(422);
    expect(Object.keys(outOfRange.json().errors)).toEqual(['amount_credits']);
    const saved = await h.api('PUT', `/v1/orgs/${id}/settings/auto-recharge`, { enabled: true, threshold_credits: 500, amount_credits: 1_000 });
    expect(saved.json()).toEqual({ enabled: true, threshold_credits: 500, amount_credits: 1_000, paused: false, paused_at: null });
    await leavePlanCredits(h, id, 600);
    await Promise.all(Array.from({ length: 150 }, (_, index) => recordOverHttp(id, 1_000 + index)));
    await advance(h, { seconds: 1 });
    expect(await balance(h, id)).toMatchObject({ plan: { remaining: 450 }, purchased: { remaining: 1_000 } });
    const purchases = (await h.api('GET', `/v1/orgs/${id}/credit-purchases`)).json().items;
    expect(purchases).toHaveLength(1);
    const history = (await h.api('GET', `/v1/orgs/${id}/billing-history`)).json().items;
    expect(history.map((item: { description: string }) => item.description)).toContain('Auto-recharge: 1,000 AI credits');
  });

  it('a declined charge pauses auto-recharge and tells the admins', async () => {
    const id = await createOrgAt(h, { plan: 'starter' });
    await addCard(h, id, CARDS.insufficientFunds);
    await h.api('PUT', `/v1/orgs/${id}/settings/auto-recharge`, { enabled: true, threshold_credits: 500, amount_credits: 1_000 });
    await leavePlanCredits(h, id, 400);
    await advance(h, { seconds: 1 });
    expect((await h.api('GET', `/v1/orgs/${id}/settings/auto-recharge`)).json()).toMatchObject({ enabled: true, paused: true });
    expect(await eventsOf(id, 'auto_recharge.paused')).toHaveLength(1);
    expect((await balance(h, id)).purchased.remaining).toBe(0);
    const history = (await h.api('GET', `/v1/orgs/${id}/billing-history`)).json().items;
    expect(history).toContainEqual(expect.objectContaining({ kind: 'credit_purchase', status: 'failed', description: 'Auto-recharge: 1,000 AI credits' }));
  });
});

describe('auto-recharge and faults', () => {
  it('a fault that is not the card’s answer (here the charge throws) does not pause auto-recharge: the request stays for a retry', async () => {
    const exploding = true;
    const local = await startHarness({
      wrapProvider: (provider) => ({ ...provider, charge: (input) => (exploding ? Promise.reject(new Error('charge exploded')) : provider.charge(input)) }),
    });
    try {
      const id = await createOrgAt(local, { plan: 'starter' });
      await addCard(local, id);
      expect((await local.api('PUT', `/v1/orgs/${id}/settings/auto-recharge`, { enabled: true, threshold_credits: 500, amount_credits: 1_000 })).statusCode).toBe(200);
      await leavePlanCredits(local, id, 400);
      await advance(local, { seconds: 1 });
      expect((await local.api('GET', `/v1/orgs/${id}/settings/auto-recharge`)).json()).toMatchObject({ enabled: true, paused: false });
      const paused = await local.db.selectFrom('events').select('type').where('org_id', '=', id).where('type', '=', 'auto_recharge.paused').execute();
      expect(paused).toEqual([]);
      const requests = await local.db.selectFrom('auto_recharges').select(['status', 'failure_code']).where('org_id', '=', id).execute();
      expect(requests).toEqual([{ status: 'pending', failure_code: null }]);
    } finally {
      await local.close();
    }
  });
});

describe('without SMTP_URL', () => {
  it('e-mails are kept in the database and listed', async () => {
    const local = await startHarness();
    try {
      const id = await local.createOrg();
      await local.api('POST', `/v1/orgs/${id}/grants`, { source: 'adjustment', credits: -2_000, reason: 'drain' });
      const emails = (await local.api('GET', `/v1/orgs/${id}/emails`)).json().items;
      expect(emails.map((email: { status: string; subject: string }) => [email.status, email.subject.replace(/^\[.*?\] /, '')]).sort()).toEqual([
        ['kept', 'AI credits are running low'],
        ['kept', 'AI credits are used up'],
      ]);
    } finally {
      await local.close();
    }
  });
});
