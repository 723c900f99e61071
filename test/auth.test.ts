import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

interface Session {
  cookie: string;
  csrf: string;
}

async function login(email: string, password: string): Promise<Session> {
  const response = await h.api('POST', '/v1/auth/login', { email, password }, {});
  expect(response.statusCode, response.body).toBe(200);
  const setCookie = String(response.headers['set-cookie']);
  return { cookie: setCookie.split(';')[0]!, csrf: response.json().csrf_token };
}

function as(session: Session, withCsrf = true): Record<string, string> {
  return { cookie: session.cookie, ...(withCsrf ? { 'x-csrf-token': session.csrf } : {}) };
}

async function addMember(org: string, email: string, role: 'admin' | 'member' = 'member') {
  return h.api('POST', `/v1/orgs/${org}/members`, { email, name: email.split('@')[0], role, password: 'member-password' });
}

describe('API keys', () => {
  it('no key → 401 problem+json', async () => {
    const org = await h.createOrg();
    const response = await h.api('GET', `/v1/orgs/${org}/balance`, undefined, {});
    expect(response.statusCode).toBe(401);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json().code).toBe('UNAUTHENTICATED');
  });

  it('a wrong or malformed key → 401', async () => {
    const org = await h.createOrg();
    for (const authorization of ['Bearer lb_sk_not_a_real_key_at_all_000', 'Basic abc', 'Bearer']) {
      const response = await h.api('GET', `/v1/orgs/${org}/balance`, undefined, { authorization });
      expect(response.statusCode).toBe(401);
    }
  });

  it('an org that does not exist → 404', async () => {
    const response = await h.api('GET', '/v1/orgs/no-such-org/balance');
    expect(response.statusCode).toBe(404);
    expect(response.json().code).toBe('ORG_NOT_FOUND');
  });

  it('only the platform key creates orgs and grants', async () => {
    const org = await h.createOrg();
    const admin = await login(`admin@${org}.test`, 'admin-password');
    const grant = await h.api('POST', `/v1/orgs/${org}/grants`, { source: 'promotional', credits: 5, reason: 'self-service?' }, as(admin));
    expect(grant.statusCode).toBe(403);
    const create = await h.api('POST', '/v1/orgs', { name: 'x', plan: 'starter', billing_address: { country: 'US' }, admin: { email: 'x@x.test', name: 'x' } }, as(admin));
    expect(create.statusCode).toBe(403);
  });
});

describe('sessions', () => {
  it('login sets an HttpOnly SameSite cookie; me lists the orgs with roles; logout ends the session', async () => {
    const org = await h.createOrg();
    const response = await h.api('POST', '/v1/auth/login', { email: `ADMIN@${org}.test`, password: 'admin-password' }, {});
    expect(response.statusCode).toBe(200);
    const cookie = String(response.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    const session = { cookie: cookie.split(';')[0]!, csrf: response.json().csrf_token };
    const me = await h.api('GET', '/v1/auth/me', undefined, as(session, false));
    expect(me.json()).toMatchObject({ user: { email: `admin@${org}.test` }, orgs: [{ id: org, role: 'admin' }] });
    expect((await h.api('POST', '/v1/auth/logout', undefined, as(session))).statusCode).toBe(204);
    expect((await h.api('GET', '/v1/auth/me', undefined, as(session, false))).statusCode).toBe(401);
  });

  it('a wrong password or unknown e-mail → 401 with the same answer', async () => {
    const org = await h.createOrg();
    const wrong = await h.api('POST', '/v1/auth/login', { email: `admin@${org}.test`, password: 'nope-nope' }, {});
    const unknown = await h.api('POST', '/v1/auth/login', { email: 'nobody@nowhere.test', password: 'nope-nope' }, {});
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.body).toBe(unknown.body);
  });

  it('each login gets a new session id', async () => {
    const org = await h.createOrg();
    const first = await login(`admin@${org}.test`, 'admin-password');
    const second = await login(`admin@${org}.test`, 'admin-password');
    expect(first.cookie).not.toBe(second.cookie);
  });
});

describe('roles and tenants', () => {
  it('a member reads the balance but gets 403 on admin endpoints', async () => {
    const org = await h.createOrg();
    expect((await addMember(org, `member@${org}.test`)).statusCode).toBe(201);
    const member = await login(`member@${org}.test`, 'member-password');
    expect((await h.api('GET', `/v1/orgs/${org}/balance`, undefined, as(member, false))).statusCode).toBe(200);
    for (const [method, url, body] of [
      ['PUT', `/v1/orgs/${org}/settings/on-demand`, { enabled: true }],
      ['PUT', `/v1/orgs/${org}/settings/ai-features`, { modules: { reports: false } }],
      ['PUT', `/v1/orgs/${org}/settings/notifications`, { low_balance_threshold: 5 }],
      ['POST', `/v1/orgs/${org}/members`, { email: 'z@z.test', name: 'z', role: 'member' }],
      ['POST', `/v1/orgs/${org}/ai/authorize`, { user_id: 'u', feature: 'assistant', action: 'chat' }],
    ] as const) {
      const response = await h.api(method, url, body, as(member));
      expect(response.statusCode, `${method} ${url}`).toBe(403);
      expect(response.json().code).toBe('FORBIDDEN');
    }
    expect((await h.api('GET', `/v1/orgs/${org}/settings/on-demand`, undefined, as(member, false))).json()).toEqual({ enabled: false, monthly_limit_credits: 0 });
  });

  it("another org's resources answer 404, for reads and writes", async () => {
    const mine = await h.createOrg();
    const theirs = await h.createOrg();
    const admin = await login(`admin@${mine}.test`, 'admin-password');
    for (const [method, url, body] of [
      ['GET', `/v1/orgs/${theirs}/balance`, undefined],
      ['GET', `/v1/orgs/${theirs}`, undefined],
      ['GET', `/v1/orgs/${theirs}/usage`, undefined],
      ['PUT', `/v1/orgs/${theirs}/settings/on-demand`, { enabled: true }],
      ['POST', `/v1/orgs/${theirs}/ai/usage`, { idempotency_key: 'x', user_id: 'u', feature: 'assistant', action: 'chat', tokens: 5 }],
    ] as const) {
      const response = await h.api(method, url, body, as(admin));
      expect(response.statusCode, `${method} ${url}`).toBe(404);
    }
    const balance = await h.api('GET', `/v1/orgs/${theirs}/balance`);
    expect(balance.json().available).toBe(2_000);
    expect((await h.api('GET', `/v1/orgs/${theirs}/settings/on-demand`)).json().enabled).toBe(false);
  });

  it('a cookie write without the CSRF token → 403 and nothing changes; with it → 200', async () => {
    const org = await h.createOrg();
    const admin = await login(`admin@${org}.test`, 'admin-password');
    const without = await h.api('PUT', `/v1/orgs/${org}/settings/on-demand`, { enabled: true }, as(admin, false));
    expect(without.statusCode).toBe(403);
    expect(without.json().code).toBe('CSRF_TOKEN_INVALID');
    const wrong = await h.api('PUT', `/v1/orgs/${org}/settings/on-demand`, { enabled: true }, { cookie: admin.cookie, 'x-csrf-token': 'forged' });
    expect(wrong.statusCode).toBe(403);
    expect((await h.api('GET', `/v1/orgs/${org}/settings/on-demand`)).json().enabled).toBe(false);
    const withToken = await h.api('PUT', `/v1/orgs/${org}/settings/on-demand`, { enabled: true, monthly_limit_credits: 1_000 }, as(admin));
    expect(withToken.statusCode).toBe(200);
    expect(withToken.json()).toEqual({ enabled: true, monthly_limit_credits: 1_000 });
  });
});

describe('plan limits on members', () => {
  it("the starter plan's 5 included users: the 6th member → 422 PLAN_USER_LIMIT", async () => {
    const org = await h.createOrg({ plan: 'starter' });
    for (let i = 1; i <= 4; i += 1) expect((await addMember(org, `m${i}@${org}.test`)).statusCode).toBe(201);
    const sixth = await addMember(org, `m5@${org}.test`);
    expect(sixth.statusCode).toBe(422);
    expect(sixth.json().code).toBe('PLAN_USER_LIMIT');
    const members = await h.api('GET', `/v1/orgs/${org}/members`);
    expect(members.json().items).toHaveLength(5);
  });

  it('adding the same person twice → 409', async () => {
    const org = await h.createOrg();
    await addMember(org, `twice@${org}.test`);
    const again = await addMember(org, `twice@${org}.test`);
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('MEMBER_EXISTS');
  });

  it('an org id that is taken → 409', async () => {
    const org = await h.createOrg();
    const again = await h.api('POST', '/v1/orgs', { id: org, name: 'again', plan: 'starter', billing_address: { country: 'US' }, admin: { email: 'a@again.test', name: 'a' } });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('ORG_EXISTS');
  });

  it('an unknown plan → 422 naming plan', async () => {
    const response = await h.api('POST', '/v1/orgs', { name: 'x', plan: 'platinum', billing_address: { country: 'US' }, admin: { email: 'p@p.test', name: 'p' } });
    expect(response.statusCode).toBe(422);
    expect(Object.keys(response.json().errors)).toEqual(['plan']);
  });
});

describe('profile', () => {
  it('changes the name, and the password only with the current one', async () => {
    const org = await h.createOrg();
    const session = await login(`admin@${org}.test`, 'admin-password');
    const renamed = await h.api('PATCH', '/v1/auth/me', { name: 'Ada Lovelace' }, as(session));
    expect(renamed.json()).toMatchObject({ user: { name: 'Ada Lovelace' } });
    const wrong = await h.api('PATCH', '/v1/auth/me', { current_password: 'not-it-at-all', new_password: 'new-password-1' }, as(session));
    expect(wrong.statusCode).toBe(422);
    expect(Object.keys(wrong.json().errors)).toEqual(['current_password']);
    const changed = await h.api('PATCH', '/v1/auth/me', { current_password: 'admin-password', new_password: 'new-password-1' }, as(session));
    expect(changed.statusCode).toBe(200);
    expect((await h.api('POST', '/v1/auth/login', { email: `admin@${org}.test`, password: 'admin-password' }, {})).statusCode).toBe(401);
    expect((await h.api('POST', '/v1/auth/login', { email: `admin@${org}.test`, password: 'new-password-1' }, {})).statusCode).toBe(200);
    expect((await h.api('PATCH', '/v1/auth/me', { name: 'x' }, as(session, false))).statusCode).toBe(403);
  });
});

describe('web app configuration', () => {
  it('says which payment provider runs, without credentials', async () => {
    const response = await h.api('GET', '/v1/config', undefined, {});
    expect(response.json()).toEqual({ payments_provider: 'builtin', stripe_publishable_key: null });
  });
});
