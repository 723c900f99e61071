import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, LoupeApiError, type LoupeClient } from '@loupe-billing/client';
import { PLATFORM_KEY, startHarness, type Harness } from '../support/harness.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/receivers.js';

/**
 * Every method of the typed client, called over real HTTP against the real server, with a result
 * that shows it worked. The last test fails when the client grows a method no test here calls.
 */

/** Tested in their own files (with-credits.test.ts, usage-buffer.test.ts). */
const TESTED_ELSEWHERE = new Set(['withCredits', 'withCreditsStream', 'recordUsageBatch', 'createUsageBuffer']);

/** The dotted names of every function reachable from the client (nested objects walked). */
function methodNames(target: object, prefix = ''): string[] {
  return Object.entries(target).flatMap(([key, value]: [string, unknown]) => {
    if (typeof value === 'function') return [`${prefix}${key}`];
    if (typeof value === 'object' && value !== null) return methodNames(value, `${prefix}${key}.`);
    return [];
  });
}

/** The client as it is, recording the dotted name of every method called through it. */
function recording<T extends object>(target: T, called: Set<string>, prefix = ''): T {
  return new Proxy(target, {
    get(object, key, receiver) {
      const value: unknown = Reflect.get(object, key, receiver);
      if (typeof key !== 'string') return value;
      const name = `${prefix}${key}`;
      if (typeof value === 'function') {
        return (...args: unknown[]) => {
          called.add(name);
          return Reflect.apply(value, object, args);
        };
      }
      if (typeof value === 'object' && value !== null) return recording(value, called, `${name}.`);
      return value;
    },
  });
}

/** The LoupeApiError a call fails with (fails the test when it succeeds or fails otherwise). */
async function apiError(call: Promise<unknown>): Promise<LoupeApiError> {
  const error = await call.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(LoupeApiError);
  return error as LoupeApiError;
}

const TEST_CARD = { card_number: '4242424242424242', exp_month: 12, exp_year: 2030, cvc: '123' } as const;
const PLANS = ['starter', 'team', 'business', 'enterprise'] as const;

let h: Harness;
let hooks: WebhookReceiver;
let baseUrl: string;
let raw: LoupeClient;
let loupe: LoupeClient;
const called = new Set<string>();

beforeAll(async () => {
  hooks = await startWebhookReceiver();
  h = await startHarness();
  baseUrl = await h.app.listen({ port: 0, host: '127.0.0.1' });
  expect(baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  raw = createClient({ baseUrl, apiKey: PLATFORM_KEY });
  loupe = recording(raw, called);
});
afterAll(async () => {
  await h.close();
  await hooks.close();
});

/** A new org through the client, on `plan`, with its admin. */
async function newOrg(plan: (typeof PLANS)[number] = 'starter'): Promise<string> {
  const id = `sdk-${randomBytes(4).toString('hex')}`;
  const created = await loupe.orgs.create({
    id,
    name: `SDK ${id}`,
    plan,
    billing_address: { country: 'US', region: 'CA' },
    admin: { email: `admin@${id}.test`, name: 'Admin', password: 'admin-password' },
  });
  expect(created.id).toBe(id);
  return id;
}

let usageSequence = 0;
/** A usage record with its own key. */
async function recordTokens(org: string, tokens: number, extra: { user_id?: string; feature?: 'assistant' | 'reports'; action?: string } = {}) {
  usageSequence += 1;
  return loupe.ai.recordUsage(org, { idempotency_key: `sdk-usage-${usageSequence}`, user_id: 'user-1', feature: 'assistant', action: 'chat', tokens, ...extra });
}

describe('operations', () => {
  it('health answers ok and ready answers ready', async () => {
    expect(await loupe.health()).toEqual({ status: 'ok' });
    expect(await loupe.ready()).toEqual({ status: 'ready' });
  });

  it('plans.list answers the catalogue with every plan of the contract', async () => {
    const { items } = await loupe.plans.list();
    expect(items.map((plan) => plan.id)).toEqual(expect.arrayContaining([...PLANS]));
    expect(items.find((plan) => plan.id === 'starter')).toMatchObject({ base_price_cents: 4_900, currency: 'USD', included_credits: 2_000, included_users: 5 });
  });

  it('request reaches any path of the OpenAPI document (GET /v1/config names the built-in provider)', async () => {
    expect(await loupe.request('get', '/v1/config')).toEqual({ payments_provider: 'builtin', stripe_publishable_key: null });
  });

  it('testClock.get reads the server clock and testClock.advance moves it forward by the seconds sent', async () => {
    const before = await loupe.testClock.get();
    expect(before.now).toBe(h.clock.now().toISOString());
    const after = await loupe.testClock.advance({ seconds: 90 });
    expect(new Date(after.now).getTime() - new Date(before.now).getTime()).toBe(90_000);
    expect(h.clock.now().toISOString()).toBe(after.now);
  });

  it('apiKeys.create answers a working secret once; apiKeys.list shows the key; apiKeys.revoke marks it revoked', async () => {
    const created = await loupe.apiKeys.create({ name: 'sdk test key' });
    expect(created).toMatchObject({ name: 'sdk test key', id: expect.any(String), key: expect.any(String) });
    expect(created.key).not.toBe(PLATFORM_KEY);
    // The new secret authenticates on its own.
    const withNewKey = createClient({ baseUrl, apiKey: created.key });
    expect((await withNewKey.apiKeys.list()).items.map((key) => key.id)).toContain(created.id);

    const listed = await loupe.apiKeys.list();
    expect(listed.items).toContainEqual(expect.objectContaining({ id: created.id, name: 'sdk test key', revoked_at: null }));
    expect(JSON.stringify(listed)).not.toContain(created.key);

    await expect(loupe.apiKeys.revoke(created.id)).resolves.toBeUndefined();
    const revoked = (await loupe.apiKeys.list()).items.find((key) => key.id === created.id);
    expect(revoked?.revoked_at).toEqual(expect.any(String));
  });

  it('a key revoked before it was ever used is refused with 401 UNAUTHENTICATED', async () => {
    const created = await loupe.apiKeys.create({ name: 'short-lived key' });
    await loupe.apiKeys.revoke(created.id);
    const error = await apiError(createClient({ baseUrl, apiKey: created.key }).apiKeys.list());
    expect(error).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
  });
});

describe('orgs', () => {
  it('orgs.create makes an active org with its first admin, and orgs.get reads it back', async () => {
    const id = `sdk-${randomBytes(4).toString('hex')}`;
    const created = await loupe.orgs.create({
      id,
      name: 'Acme Labs',
      plan: 'team',
      billing_address: { country: 'US', region: 'NY', city: 'New York' },
      admin: { email: `owner@${id}.test`, name: 'Owner' },
    });
    expect(created).toMatchObject({ id, name: 'Acme Labs', plan: 'team', vat_id: null, subscription: { status: 'active', cancel_at_period_end: false, scheduled_plan: null } });
    // The create answer also says what happened to the admin: a new account without a password, sent an invitation to choose one.
    const { admin, ...org } = created;
    expect(admin).toMatchObject({ status: 'added', existing_account: false, password_set: false, invitation: { email: `owner@${id}.test` } });
    expect(await loupe.orgs.get(id)).toEqual(org);
    expect((await loupe.orgs.listMembers(id)).items).toEqual([expect.objectContaining({ email: `owner@${id}.test`, name: 'Owner', role: 'admin' })]);
  });

  it('orgs.update (PATCH) changes the name and billing address, and only those', async () => {
    const id = await newOrg();
    const before = await loupe.orgs.get(id);
    const updated = await loupe.orgs.update(id, { name: 'Renamed Inc', billing_address: { country: 'DE', city: 'Berlin' } });
    expect(updated).toMatchObject({ id, name: 'Renamed Inc', billing_address: { country: 'DE', city: 'Berlin' }, plan: before.plan });
    expect(await loupe.orgs.get(id)).toMatchObject({ name: 'Renamed Inc', billing_address: { country: 'DE', city: 'Berlin' }, subscription: before.subscription });
  });

  it('orgs.addMember adds a member that orgs.listMembers then shows next to the admin', async () => {
    const id = await newOrg();
    const member = await loupe.orgs.addMember(id, { email: `member@${id}.test`, name: 'Member', role: 'member' });
    expect(member).toMatchObject({ email: `member@${id}.test`, name: 'Member', role: 'member', user_id: expect.any(String) });
    const { items } = await loupe.orgs.listMembers(id);
    expect(items.map((item) => [item.email, item.role]).sort()).toEqual([
      [`admin@${id}.test`, 'admin'],
      [`member@${id}.test`, 'member'],
    ]);
  });

  it('orgs.changeMemberRole makes a member an admin, orgs.removeMember removes them; auditLog.list shows both by the API key', async () => {
    const id = await newOrg();
    const member = await loupe.orgs.addMember(id, { email: `role@${id}.test`, name: 'Role', role: 'member' });
    expect(await loupe.orgs.changeMemberRole(id, member.user_id!, { role: 'admin' })).toEqual({ user_id: member.user_id, role: 'admin' });
    expect((await loupe.orgs.listMembers(id)).items.find((item) => item.user_id === member.user_id)?.role).toBe('admin');
    await expect(loupe.orgs.removeMember(id, member.user_id!)).resolves.toBeUndefined();
    expect((await loupe.orgs.listMembers(id)).items.map((item) => item.email)).toEqual([`admin@${id}.test`]);
    const log = await loupe.auditLog.list(id, { action: 'member' });
    expect(log.items.map((entry) => [entry.action, entry.actor.kind, entry.target])).toEqual([
      ['member.removed', 'api_key', member.user_id],
      ['member.role_changed', 'api_key', member.user_id],
      ['member.added', 'api_key', member.user_id],
    ]);
  });

  it("auditLog.platform lists the platform's own entries: an API key created", async () => {
    const created = await loupe.apiKeys.create({ name: 'audited key' });
    const { items } = await loupe.auditLog.platform({ action: 'api_key' });
    expect(items.find((entry) => entry.target === created.id)).toMatchObject({ action: 'api_key.created', after: { name: 'audited key' } });
    await loupe.apiKeys.revoke(created.id);
  });

  it('orgs.setContract replaces the enterprise terms and orgs.getContract reads them; the quote follows the contract price', async () => {
    const id = await newOrg('enterprise');
    expect(await loupe.orgs.getContract(id)).toEqual({});
    const terms = { base_price_cents: 100_000, included_credits: 50_000, credit_price_cents: 2, purchase_min_credits: 500, purchase_max_credits: 5_000 };
    expect(await loupe.orgs.setContract(id, terms)).toEqual(terms);
    expect(await loupe.orgs.getContract(id)).toEqual(terms);
    expect(await loupe.purchases.quote(id, { credits: 1_000 })).toMatchObject({ credits: 1_000, unit_price_cents: 2, amount_cents: 2_000, min_credits: 500, max_credits: 5_000 });
    await h.expectCleanAudit();
  });

  it('orgs.grant adds promotional credits: the balance grows by exactly the grant', async () => {
    const id = await newOrg();
    const before = await loupe.balance.get(id);
    expect(before).toMatchObject({ available: 2_000, plan: { granted: 2_000, remaining: 2_000 }, promotional: { remaining: 0 }, held: 0 });
    const expiresAt = new Date(h.clock.now().getTime() + 30 * 86_400_000).toISOString();
    const grant = await loupe.orgs.grant(id, { source: 'promotional', credits: 250, expires_at: expiresAt, reason: 'sdk launch promotion' });
    expect(grant).toMatchObject({ org_id: id, source: 'promotional', credits: 250, reason: 'sdk launch promotion', available: 2_250 });
    expect(new Date(grant.expires_at ?? '').toISOString()).toBe(expiresAt);
    const after = await loupe.balance.get(id);
    expect(after).toMatchObject({ available: 2_250, promotional: { remaining: 250 }, plan: { remaining: 2_000 } });
    await h.expectCleanAudit();
  });

  it('orgs.export answers the org as JSON and orgs.exportZip as a zip file', async () => {
    const id = await newOrg();
    const usage = await recordTokens(id, 3_000);
    // The route documents no JSON schema, so the client types it loosely: read it as the server sends it.
    const exported = await loupe.orgs.export(id);
    expect(exported.org.id).toBe(id);
    expect(exported.members.map((member) => member.email)).toEqual([`admin@${id}.test`]);
    expect(exported.ledger_entries.length).toBeGreaterThan(0);
    expect(exported.usage.map((row) => row.id)).toEqual([usage.id]);

    const zip = await loupe.orgs.exportZip(id);
    expect(zip).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(zip.subarray(0, 2)).toString('latin1')).toBe('PK');
    expect(Buffer.from(zip).toString('latin1')).toContain('usage.csv');
    await h.expectCleanAudit();
  });
});

describe('metering', () => {
  it('ai.authorize reserves credits with a hold, ai.release gives them back', async () => {
    const id = await newOrg();
    const hold = await loupe.ai.authorize(id, { user_id: 'user-1', feature: 'assistant', action: 'chat', estimated_tokens: 5_000 });
    if (!hold.allowed) throw new Error(`authorize refused: ${hold.reason}`);
    expect(hold).toMatchObject({ held_credits: 5, available: 1_995, hold_id: expect.any(String) });
    expect(await loupe.balance.get(id)).toMatchObject({ held: 5, available: 1_995 });

    const released = await loupe.ai.release(id, hold.hold_id);
    expect(released).toEqual({ hold_id: hold.hold_id, status: 'released', released_credits: 5, available: 2_000 });
    expect(await loupe.balance.get(id)).toMatchObject({ held: 0, available: 2_000 });
    await h.expectCleanAudit();
  });

  it('ai.recordUsage without an idempotency_key gets one made and charges the tokens once', async () => {
    const id = await newOrg();
    const recorded = await loupe.ai.recordUsage(id, { user_id: 'user-1', feature: 'reports', action: 'summarize', tokens: 2_500 });
    expect(recorded).toMatchObject({ credits: 3, charged: 3, uncollected: 0, sources: [{ source: 'plan', credits: 3 }], available: 1_997 });
    const row = await h.db.selectFrom('usage_records').select('idempotency_key').where('usage_id', '=', recorded.id).executeTakeFirstOrThrow();
    expect(row.idempotency_key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect((await loupe.balance.get(id)).available).toBe(1_997);
    await h.expectCleanAudit();
  });

  it('exchange answers the status and headers: 201 for a new usage record, 200 with idempotent-replayed: true for its replay', async () => {
    const id = await newOrg();
    const body = { idempotency_key: 'sdk-exchange-replay', user_id: 'user-1', feature: 'assistant', action: 'chat', tokens: 1_000 } as const;
    const first = await loupe.exchange('post', '/v1/orgs/{org}/ai/usage', { path: { org: id }, body });
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBe('false');
    const replay = await loupe.exchange('post', '/v1/orgs/{org}/ai/usage', { path: { org: id }, body });
    expect(replay.status).toBe(200);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.data).toEqual(first.data);
    expect((await loupe.balance.get(id)).available).toBe(1_999);
    await h.expectCleanAudit();
  });
});

describe('usage history', () => {
  it('usage.list pages with a cursor, usage.iterate yields every row over several pages, usage.csv has the header and each row', async () => {
    const id = await newOrg();
    const recorded = [];
    for (let index = 0; index < 5; index += 1) recorded.push(await recordTokens(id, 1_000 * (index + 1), { user_id: `user-${index % 2}` }));
    const ids = recorded.map((row) => row.id).sort();

    const firstPage = await loupe.usage.list(id, { limit: 2 });
    expect(firstPage.items).toHaveLength(2);
    expect(firstPage.next_cursor).toEqual(expect.any(String));

    const iterated = [];
    for await (const row of loupe.usage.iterate(id, { limit: 2 })) iterated.push(row);
    expect(iterated.map((row) => row.id).sort()).toEqual(ids);
    expect(iterated.reduce((sum, row) => sum + row.tokens, 0)).toBe(15_000);

    const filtered = await loupe.usage.list(id, { user_id: 'user-1' });
    expect(filtered.items.map((row) => row.user_id)).toEqual(['user-1', 'user-1']);

    const csv = await loupe.usage.csv(id);
    const lines = csv.trim().split(/\r?\n/);
    expect(lines[0]).toBe('id,occurred_at,user_id,user_name,action,feature,tokens,credits,charged,uncollected');
    expect(lines).toHaveLength(6);
    const third = recorded[2]!;
    expect(lines.find((line) => line.startsWith(`${third.id},`))).toMatch(new RegExp(`^${third.id},[^,]+,user-0,,chat,assistant,3000,3,3,0$`));

    const onlyUserZero = await loupe.usage.csv(id, { user_id: 'user-0' });
    expect(onlyUserZero.trim().split(/\r?\n/)).toHaveLength(4);
    await h.expectCleanAudit();
  });

  it('usage.trends groups the period’s credits by feature, usage.summary totals them with the top users', async () => {
    const id = await newOrg();
    await recordTokens(id, 2_000, { feature: 'assistant', user_id: 'alice' });
    await recordTokens(id, 3_000, { feature: 'reports', user_id: 'alice' });
    await recordTokens(id, 4_000, { feature: 'reports', user_id: 'bob' });

    const trends = await loupe.usage.trends(id, { interval: 'day', group_by: 'feature' });
    expect(trends).toMatchObject({ interval: 'day', group_by: 'feature', totals: { credits: 9, tokens: 9_000, requests: 3 } });
    expect(trends.series.map((series) => [series.key, series.points.reduce((sum, point) => sum + point.credits, 0)])).toEqual([
      ['reports', 7],
      ['assistant', 2],
    ]);

    const summary = await loupe.usage.summary(id, { top: 5 });
    expect(summary.totals).toMatchObject({ credits: 9, charged: 9, tokens: 9_000, requests: 3, uncollected: 0 });
    expect(summary.top_users.map((user) => [user.user_id, user.credits])).toEqual([
      ['alice', 5],
      ['bob', 4],
    ]);
    expect(summary.top_features.map((feature) => feature.feature)).toEqual(['reports', 'assistant']);
    await h.expectCleanAudit();
  });
});

describe('settings', () => {
  it('settings.setAiFeatures turns a module off (getAiFeatures shows it) and ai.authorize then refuses it', async () => {
    const id = await newOrg();
    expect((await loupe.settings.getAiFeatures(id)).modules).toMatchObject({ assistant: true, reports: true });
    expect((await loupe.settings.setAiFeatures(id, { modules: { reports: false } })).modules).toMatchObject({ assistant: true, reports: false });
    expect((await loupe.settings.getAiFeatures(id)).modules).toMatchObject({ assistant: true, reports: false });
    expect(await loupe.ai.authorize(id, { user_id: 'user-1', feature: 'reports', action: 'build' })).toMatchObject({ allowed: false, reason: 'FEATURE_DISABLED' });
  });

  it('settings.setOnDemand turns on-demand usage on with a cap; getOnDemand and the balance show it', async () => {
    const id = await newOrg();
    expect(await loupe.settings.getOnDemand(id)).toEqual({ enabled: false, monthly_limit_credits: 0 });
    expect(await loupe.settings.setOnDemand(id, { enabled: true, monthly_limit_credits: 300 })).toEqual({ enabled: true, monthly_limit_credits: 300 });
    expect(await loupe.settings.getOnDemand(id)).toEqual({ enabled: true, monthly_limit_credits: 300 });
    expect((await loupe.balance.get(id)).overage).toEqual({ enabled: true, limit: 300, used: 0, remaining: 300 });
  });

  it('settings.setNotifications sets the low-balance threshold and extra e-mails; getNotifications reads them', async () => {
    const id = await newOrg();
    expect(await loupe.settings.getNotifications(id)).toEqual({ low_balance_threshold: 200, emails: [] });
    const set = { low_balance_threshold: 750, emails: ['finance@example.test'] };
    expect(await loupe.settings.setNotifications(id, set)).toEqual(set);
    expect(await loupe.settings.getNotifications(id)).toEqual(set);
    expect((await loupe.balance.get(id)).low_balance_threshold).toBe(750);
  });

  it('settings.setAutoRecharge turns auto-recharge on with a saved card; getAutoRecharge reads it', async () => {
    const id = await newOrg();
    expect(await loupe.settings.getAutoRecharge(id)).toMatchObject({ enabled: false, paused: false });
    await loupe.paymentMethods.add(id, TEST_CARD);
    const set = await loupe.settings.setAutoRecharge(id, { enabled: true, threshold_credits: 100, amount_credits: 500 });
    expect(set).toEqual({ enabled: true, threshold_credits: 100, amount_credits: 500, paused: false, paused_at: null });
    expect(await loupe.settings.getAutoRecharge(id)).toEqual(set);
    await h.expectCleanAudit();
  });

  it('settings.setUserLimits sets member limits, getUserLimits reads them, usage.users lists credits against them', async () => {
    const id = await newOrg();
    const set = await loupe.settings.setUserLimits(id, { default_monthly_credits: 50, overrides: { 'user-1': 5 } });
    expect(set).toEqual({ default_monthly_credits: 50, overrides: { 'user-1': 5 } });
    expect(await loupe.settings.getUserLimits(id)).toEqual(set);
    expect((await loupe.usage.users(id)).items).toEqual([{ user_id: 'user-1', user_name: null, credits_this_period: 0, monthly_limit_credits: 5 }]);
  });
});

describe('payment methods, purchases, invoices', () => {
  it('paymentMethods.add saves the built-in provider’s test card 4242…; setDefault moves the default; remove deletes a card', async () => {
    const id = await newOrg();
    expect((await loupe.paymentMethods.list(id)).items).toEqual([]);
    const first = await loupe.paymentMethods.add(id, TEST_CARD);
    expect(first).toMatchObject({ brand: 'visa', last4: '4242', exp_month: 12, exp_year: 2030, default: true });
    const second = await loupe.paymentMethods.add(id, { ...TEST_CARD, card_number: '5555555555554444' });
    expect(second).toMatchObject({ last4: '4444', default: false });

    expect(await loupe.paymentMethods.setDefault(id, second.id)).toMatchObject({ id: second.id, default: true });
    expect((await loupe.paymentMethods.list(id)).items.map((card) => [card.id, card.default]).sort()).toEqual(
      [
        [first.id, false],
        [second.id, true],
      ].sort(),
    );

    await expect(loupe.paymentMethods.remove(id, first.id)).resolves.toBeUndefined();
    expect((await loupe.paymentMethods.list(id)).items.map((card) => card.id)).toEqual([second.id]);
  });

  it('purchases.refund takes back the unused credits with a credit note; a retry with its key refunds once', async () => {
    const id = await newOrg();
    await loupe.paymentMethods.add(id, { card_number: '4242424242424242', exp_month: 12, exp_year: 2030, cvc: '123' });
    const bought = await loupe.purchases.create(id, { credits: 1_000 });
    const refunded = await loupe.purchases.refund(id, bought.id, { credits: 400, reason: 'sdk test refund', idempotency_key: 'sdk-refund-1' });
    expect(refunded).toMatchObject({ purchase_id: bought.id, credits: 400, status: 'succeeded', credit_note_number: expect.stringMatching(/^CN-\d{6}$/) });
    expect(await loupe.purchases.refund(id, bought.id, { credits: 400, reason: 'sdk test refund', idempotency_key: 'sdk-refund-1' })).toEqual(refunded);
    expect((await loupe.balance.get(id)).purchased.remaining).toBe(600);
    const note = await loupe.creditNotes.get(id, refunded.credit_note_id ?? '');
    expect(note).toMatchObject({ number: refunded.credit_note_number, credits: 400, total_cents: refunded.total_cents, invoice_id: bought.invoice_id });
    const pdf = await loupe.creditNotes.pdf(id, refunded.credit_note_id ?? '');
    expect(Buffer.from(pdf.subarray(0, 5)).toString('latin1')).toBe('%PDF-');
    await h.expectCleanAudit();
  });

  it('disputes.list shows a disputed test-card purchase frozen; disputes.decide gives the credits back when won', async () => {
    const id = await newOrg();
    await loupe.paymentMethods.add(id, { card_number: '4000000000000259', exp_month: 12, exp_year: 2030, cvc: '123' });
    const bought = await loupe.purchases.create(id, { credits: 1_000 });
    const [dispute] = (await loupe.disputes.list(id)).items;
    expect(dispute).toMatchObject({ purchase_id: bought.id, status: 'open', frozen_credits: 1_000 });
    expect((await loupe.balance.get(id)).purchased).toEqual({ remaining: 0, frozen: 1_000 });
    expect(await loupe.disputes.decide(id, dispute!.id, { outcome: 'won' })).toMatchObject({ status: 'won' });
    expect((await loupe.balance.get(id)).purchased).toEqual({ remaining: 1_000, frozen: 0 });
    await h.expectCleanAudit();
  });

  it('purchases.quote prices a purchase; purchases.create without an idempotency_key gets one made and adds the credits once', async () => {
    const id = await newOrg();
    await loupe.paymentMethods.add(id, TEST_CARD);
    const quote = await loupe.purchases.quote(id, { credits: 1_000 });
    expect(quote).toMatchObject({ credits: 1_000, unit_price_cents: 1, amount_cents: 1_000, tax_cents: 0, total_cents: 1_000, currency: 'USD', min_credits: 100, max_credits: 100_000 });

    const bought = await loupe.purchases.create(id, { credits: 1_000 });
    expect(bought).toMatchObject({ credits: 1_000, amount_cents: quote.amount_cents, total_cents: quote.total_cents, status: 'succeeded', invoice_id: expect.any(String) });
    const stored = await h.db.selectFrom('credit_purchases').select('idempotency_key').where('purchase_id', '=', bought.id).executeTakeFirstOrThrow();
    expect(stored.idempotency_key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

    expect((await loupe.balance.get(id)).purchased.remaining).toBe(1_000);
    expect((await loupe.purchases.list(id)).items).toEqual([expect.objectContaining({ id: bought.id, credits: 1_000, status: 'succeeded' })]);
    await h.expectCleanAudit();
  });

  it('invoices.list and invoices.get show the purchase invoice, invoices.pdf is a PDF, billingHistory.list shows the charge', async () => {
    const id = await newOrg();
    await loupe.paymentMethods.add(id, TEST_CARD);
    const bought = await loupe.purchases.create(id, { credits: 500, idempotency_key: `sdk-invoice-${id}` });
    expect(bought.status).toBe('succeeded');

    const { items } = await loupe.invoices.list(id, { limit: 50 });
    expect(items).toContainEqual(expect.objectContaining({ id: bought.invoice_id, kind: 'credit_purchase', status: 'paid', total_cents: 500 }));
    const invoice = await loupe.invoices.get(id, bought.invoice_id ?? '');
    expect(invoice).toMatchObject({ id: bought.invoice_id, kind: 'credit_purchase', total_cents: 500 });
    expect(invoice.lines).toEqual([expect.objectContaining({ kind: 'credit_purchase', quantity: 500, unit_price_cents: 1, amount_cents: 500 })]);

    const pdf = await loupe.invoices.pdf(id, bought.invoice_id ?? '');
    expect(pdf).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(pdf.subarray(0, 5)).toString('latin1')).toBe('%PDF-');
    expect(pdf.byteLength).toBeGreaterThan(500);

    // The next period invoice as it stands; Pay now on an invoice that is paid already says so.
    expect(await loupe.invoices.upcoming(id)).toMatchObject({ status: 'draft', id: null, number: null, lines: [expect.objectContaining({ kind: 'subscription' })] });
    await expect(loupe.invoices.pay(id, bought.invoice_id ?? '')).rejects.toMatchObject({ status: 409, code: 'INVOICE_NOT_OPEN' });

    const history = await loupe.billingHistory.list(id, { limit: 10 });
    expect(history.items).toContainEqual(expect.objectContaining({ kind: 'credit_purchase', amount_cents: 500, invoice_id: bought.invoice_id, invoice_number: invoice.number }));
    await h.expectCleanAudit();
  });
});

describe('subscription', () => {
  it('subscription.change (upgrade), cancel and resume answer their 202 pending_change bodies and the org follows', async () => {
    const id = await newOrg('starter');
    await loupe.paymentMethods.add(id, TEST_CARD);

    const changed = await loupe.subscription.change(id, { plan: 'team' });
    expect(changed).toEqual({ pending_change: { plan: 'team', requested_at: h.clock.now().toISOString() } });
    expect(await loupe.orgs.get(id)).toMatchObject({ plan: 'team', subscription: { status: 'active', cancel_at_period_end: false } });
    expect((await loupe.balance.get(id)).plan.granted).toBe(10_000);

    const canceled = await loupe.subscription.cancel(id);
    expect(canceled).toEqual({ pending_change: { cancel_at_period_end: true, requested_at: expect.any(String) } });
    expect((await loupe.orgs.get(id)).subscription.cancel_at_period_end).toBe(true);

    const resumed = await loupe.subscription.resume(id);
    expect(resumed).toEqual({ pending_change: { cancel_at_period_end: false, requested_at: expect.any(String) } });
    expect((await loupe.orgs.get(id)).subscription).toMatchObject({ status: 'active', cancel_at_period_end: false });
    await h.expectCleanAudit();
  });

  it('the 202 status of a subscription change is visible through exchange', async () => {
    const id = await newOrg('team');
    const answer = await loupe.exchange('post', '/v1/orgs/{org}/subscription/change', { path: { org: id }, body: { plan: 'starter' } });
    expect(answer.status).toBe(202);
    expect(answer.data).toMatchObject({ pending_change: { plan: 'starter' } });
    expect((await loupe.orgs.get(id)).subscription).toMatchObject({ scheduled_plan: 'starter' });
    await h.expectCleanAudit();
  });
});

describe('notifications and webhooks', () => {
  it('a balance that runs low and out reaches the in-app notifications, the e-mails and a signed webhook endpoint', async () => {
    const id = await newOrg();
    // With a card the first subscription charge succeeds, so no payment.failed joins the alerts.
    await loupe.paymentMethods.add(id, TEST_CARD);
    const endpoint = await loupe.webhookEndpoints.create(id, { url: hooks.url, events: ['balance.low', 'credits.exhausted'] });
    expect(endpoint).toMatchObject({ url: hooks.url, events: ['balance.low', 'credits.exhausted'], status: 'enabled', disabled_at: null });
    expect(endpoint.secret).toMatch(/^whsec_/);
    const listed = await loupe.webhookEndpoints.list(id);
    expect(listed.items).toEqual([expect.objectContaining({ id: endpoint.id, url: hooks.url })]);
    expect(JSON.stringify(listed)).not.toContain(endpoint.secret);

    // 2,000 plan credits, threshold 200: leave 5 (balance.low), then use 6 (credits.exhausted).
    await loupe.orgs.grant(id, { source: 'adjustment', credits: -1_995, reason: 'sdk test set-up' });
    await recordTokens(id, 6_000);
    await loupe.testClock.advance({ seconds: 1 });

    const notifications = await loupe.notifications.list(id);
    expect(notifications.items.map((item) => item.type).sort()).toEqual(['balance.low', 'credits.exhausted']);
    expect(notifications.unread_count).toBe(2);
    const low = notifications.items.find((item) => item.type === 'balance.low');
    expect(await loupe.notifications.markRead(id, low?.id ?? '')).toEqual({ unread_count: 1 });
    expect((await loupe.notifications.list(id, { unread: true })).items.map((item) => item.type)).toEqual(['credits.exhausted']);
    expect(await loupe.notifications.markAllRead(id)).toEqual({ unread_count: 0 });
    expect((await loupe.notifications.list(id)).items.every((item) => item.read_at !== null)).toBe(true);

    const emails = await loupe.notifications.emails(id, { limit: 10 });
    expect(emails.items.map((email) => email.to)).toContain(`admin@${id}.test`);
    expect(emails.items.map((email) => email.status)).toEqual(expect.arrayContaining(['kept']));

    const deliveries = await loupe.webhookEndpoints.deliveries(id, endpoint.id, { limit: 10 });
    expect(deliveries.items.map((delivery) => [delivery.type, delivery.status]).sort()).toEqual([
      ['balance.low', 'delivered'],
      ['credits.exhausted', 'delivered'],
    ]);
    expect(deliveries.items[0]?.attempts[0]).toMatchObject({ attempt: 1, status_code: 200 });
    const received = hooks.received.filter((hook) => hook.body.includes(id));
    expect(received).toHaveLength(2);
    for (const hook of received) {
      const verified = new Webhook(endpoint.secret).verify(hook.body, hook.headers as Record<string, string>) as { org_id: string; type: string };
      expect(verified.org_id).toBe(id);
    }

    await expect(loupe.webhookEndpoints.remove(id, endpoint.id)).resolves.toBeUndefined();
    expect((await loupe.webhookEndpoints.list(id)).items).toEqual([]);
    await h.expectCleanAudit();
  });
});

describe('errors', () => {
  it('a 422 bad request surfaces as LoupeApiError VALIDATION_FAILED, its errors naming the field', async () => {
    const id = await newOrg();
    const error = await apiError(loupe.settings.setOnDemand(id, { enabled: true, monthly_limit_credits: -1 }));
    expect(error).toMatchObject({ status: 422, code: 'VALIDATION_FAILED' });
    expect(Object.keys(error.errors ?? {})).toEqual(['monthly_limit_credits']);
    expect(error.errors?.monthly_limit_credits?.length).toBeGreaterThan(0);
    expect(error.message).toContain('422 VALIDATION_FAILED');
    expect(await loupe.settings.getOnDemand(id)).toEqual({ enabled: false, monthly_limit_credits: 0 });
  });

  it('a 404 for an unknown org surfaces as LoupeApiError ORG_NOT_FOUND', async () => {
    const error = await apiError(loupe.balance.get('no-such-org'));
    expect(error).toMatchObject({ status: 404, code: 'ORG_NOT_FOUND', title: 'Organization not found' });
    expect(error.detail).toContain('no-such-org');
  });
});

describe('completeness', () => {
  // Runs last (tests in a file run in order): every method must have been called by a test above.
  it('every method of the client (but withCredits/withCreditsStream, tested elsewhere) is called by this file', () => {
    const methods = methodNames(raw).filter((name) => !TESTED_ELSEWHERE.has(name));
    expect(methods.length).toBeGreaterThan(50);
    const missing = methods.filter((name) => !called.has(name));
    expect(missing, `client methods with no test in ${import.meta.url}`).toEqual([]);
    // And nothing recorded that is not a client method (the recorder and the walk agree).
    expect([...called].filter((name) => !methods.includes(name)).sort()).toEqual([]);
  });
});
