/**
 * Per-member monthly credit limits (issue 16): exact under concurrency inside the ledger cycle, with
 * overrides, null, recorded usage never refused, rollover, and alerts once per crossing.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness.js';
import { advance, balance } from './support/metering.js';
import { as, signIn } from './support/sessions.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
afterEach(() => h.expectCleanAudit());

const limits = (org: string, body: unknown) => h.api('PUT', `/v1/orgs/${org}/settings/user-limits`, body);
const authorizeAs = async (org: string, userId: string, estimatedTokens?: number) => {
  const response = await h.api('POST', `/v1/orgs/${org}/ai/authorize`, { user_id: userId, feature: 'assistant', action: 'chat', ...(estimatedTokens === undefined ? {} : { estimated_tokens: estimatedTokens }) });
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as { allowed: boolean; reason?: string; hold_id?: string };
};
let sequence = 0;
const recordAs = async (org: string, userId: string, tokens: number, holdId?: string) => {
  sequence += 1;
  const response = await h.api('POST', `/v1/orgs/${org}/ai/usage`, {
    idempotency_key: `limits-${sequence}`, user_id: userId, user_name: `Name of ${userId}`, feature: 'assistant', action: 'chat', tokens, ...(holdId ? { hold_id: holdId } : {}),
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json() as { credits: number };
};
const usersOf = async (org: string) => ((await h.api('GET', `/v1/orgs/${org}/usage/users`)).json() as { items: { user_id: string; user_name: string | null; credits_this_period: number; monthly_limit_credits: number | null }[] }).items;
const eventsOf = async (org: string) =>
  (await h.db.selectFrom('events').select(['type', 'data']).where('org_id', '=', org).where('type', 'like', 'user_limit.%').orderBy('created_at').execute()).map((event) => ({
    type: event.type,
    user: (event.data as { user_id: string }).user_id,
  }));

describe('per-member monthly limits', () => {
  it('200 concurrent authorizes of one user against a limit of 50 allow exactly 50; the org’s other users go on', async () => {
    const org = await h.createOrg({ plan: 'team' });
    expect((await limits(org, { default_monthly_credits: 50, overrides: {} })).statusCode).toBe(200);
    const answers = await Promise.all([
      ...Array.from({ length: 200 }, () => authorizeAs(org, 'u-busy')),
      ...Array.from({ length: 20 }, () => authorizeAs(org, 'u-other')),
    ]);
    const busy = answers.slice(0, 200);
    expect(busy.filter((answer) => answer.allowed)).toHaveLength(50);
    expect(new Set(busy.filter((answer) => !answer.allowed).map((answer) => answer.reason))).toEqual(new Set(['USER_LIMIT_REACHED']));
    expect(answers.slice(200).every((answer) => answer.allowed)).toBe(true);
    expect((await balance(h, org)).held).toBe(70);
  });

  it('counts recorded credits and active holds; recording past the limit is never refused and shows in usage/users', async () => {
    const org = await h.createOrg({ plan: 'team' });
    await limits(org, { default_monthly_credits: 100, overrides: {} });
    await recordAs(org, 'u-ana', 60_000);
    const hold = await authorizeAs(org, 'u-ana', 30_000);
    expect(hold.allowed).toBe(true);
    // 60 used + 30 held + 11 asked > 100.
    expect(await authorizeAs(org, 'u-ana', 11_000)).toMatchObject({ allowed: false, reason: 'USER_LIMIT_REACHED' });
    expect((await authorizeAs(org, 'u-ana', 10_000)).allowed).toBe(true);
    // The held action used more than it asked for: recorded in full, the org charged as usual.
    await recordAs(org, 'u-ana', 75_000, hold.hold_id);
    expect((await usersOf(org)).find((user) => user.user_id === 'u-ana')).toEqual({ user_id: 'u-ana', user_name: 'Name of u-ana', credits_this_period: 135, monthly_limit_credits: 100 });
    expect(await authorizeAs(org, 'u-ana')).toMatchObject({ allowed: false, reason: 'USER_LIMIT_REACHED' });
    expect((await balance(h, org)).plan.remaining).toBe(10_000 - 135);
  });

  it('overrides beat the default; a null override means no limit; a null default limits only the overridden', async () => {
    const org = await h.createOrg({ plan: 'team' });
    const saved = await limits(org, { default_monthly_credits: 2, overrides: { 'u-vip': null, 'u-small': 1 } });
    expect(saved.json()).toEqual({ default_monthly_credits: 2, overrides: { 'u-small': 1, 'u-vip': null } });
    expect((await authorizeAs(org, 'u-small')).allowed).toBe(true);
    expect((await authorizeAs(org, 'u-small')).reason).toBe('USER_LIMIT_REACHED');
    expect((await authorizeAs(org, 'u-anyone')).allowed).toBe(true);
    expect((await authorizeAs(org, 'u-anyone')).allowed).toBe(true);
    expect((await authorizeAs(org, 'u-anyone')).reason).toBe('USER_LIMIT_REACHED');
    for (let i = 0; i < 5; i += 1) expect((await authorizeAs(org, 'u-vip')).allowed).toBe(true);
    await limits(org, { default_monthly_credits: null, overrides: { 'u-small': 3 } });
    expect((await authorizeAs(org, 'u-anyone')).allowed).toBe(true);
    expect((await authorizeAs(org, 'u-small')).allowed).toBe(true);
    expect((await h.api('GET', `/v1/orgs/${org}/settings/user-limits`)).json()).toEqual({ default_monthly_credits: null, overrides: { 'u-small': 3 } });
    // No limits at all: the org loads none.
    await limits(org, { default_monthly_credits: null, overrides: {} });
    const settings = await h.db.selectFrom('org_settings').select('user_limits_set').where('org_id', '=', org).executeTakeFirstOrThrow();
    expect(settings.user_limits_set).toBe(false);
    expect((await authorizeAs(org, 'u-small')).allowed).toBe(true);
  });

  it('alerts at 80% and at the limit once per crossing, and again in the next period, where the count starts at zero', async () => {
    const org = await h.createOrg({ plan: 'team' });
    await limits(org, { default_monthly_credits: 100, overrides: {} });
    await recordAs(org, 'u-ana', 70_000);
    expect(await eventsOf(org)).toEqual([]);
    await recordAs(org, 'u-ana', 15_000);
    await recordAs(org, 'u-ana', 5_000);
    expect(await eventsOf(org)).toEqual([{ type: 'user_limit.warning', user: 'u-ana' }]);
    await Promise.all(Array.from({ length: 10 }, () => recordAs(org, 'u-ana', 5_000)));
    expect(await eventsOf(org)).toEqual([{ type: 'user_limit.warning', user: 'u-ana' }, { type: 'user_limit.reached', user: 'u-ana' }]);
    const notices = await h.db.selectFrom('notifications').select('title').where('org_id', '=', org).where('type', '=', 'user_limit.reached').execute();
    expect(notices.map((notice) => notice.title)).toEqual(['Name of u-ana reached their credit limit']);
    expect(await authorizeAs(org, 'u-ana')).toMatchObject({ allowed: false, reason: 'USER_LIMIT_REACHED' });

    await advance(h, new Date((await balance(h, org)).period.end));
    expect((await authorizeAs(org, 'u-ana')).allowed).toBe(true);
    // Nothing recorded in the new period yet: u-ana is not listed (only users with usage or an override are).
    expect((await usersOf(org)).find((user) => user.user_id === 'u-ana')).toBeUndefined();
    await recordAs(org, 'u-ana', 100_000);
    // One record crossing both lines sends both (written in the same instant).
    expect((await eventsOf(org)).map((event) => event.type).sort()).toEqual(['user_limit.reached', 'user_limit.reached', 'user_limit.warning', 'user_limit.warning']);
  });

  it('admins only; bad input names every bad field', async () => {
    const org = await h.createOrg({ plan: 'team' });
    const bad = await limits(org, { default_monthly_credits: -1, overrides: { 'u-a': 1.5 }, extra: true });
    expect(bad.statusCode).toBe(422);
    expect(Object.keys(bad.json().errors ?? {}).sort()).toEqual(expect.arrayContaining(['default_monthly_credits']));
    const added = await h.api('POST', `/v1/orgs/${org}/members`, { email: `member@${org}.test`, name: 'Member', role: 'member', password: 'member-password' });
    expect(added.statusCode, added.body).toBe(201);
    const member = await signIn(h, `member@${org}.test`, 'member-password');
    expect((await h.api('GET', `/v1/orgs/${org}/settings/user-limits`, undefined, as(member))).statusCode).toBe(403);
    expect((await h.api('PUT', `/v1/orgs/${org}/settings/user-limits`, { default_monthly_credits: 1, overrides: {} }, as(member))).statusCode).toBe(403);
    // A member reads their own line only.
    await recordAs(org, 'u-someone', 1_000);
    expect(((await h.api('GET', `/v1/orgs/${org}/usage/users`, undefined, as(member))).json() as { items: unknown[] }).items).toEqual([]);
  });
});
