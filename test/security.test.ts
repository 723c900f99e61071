import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLATFORM_KEY, startHarness, type Harness } from './support/harness.js';
import { advance } from './support/metering.js';
import { addCard, createOrgAt, purchase } from './support/billing.js';

let h: Harness;
const logLines: string[] = [];
beforeAll(async () => {
  h = await startHarness({ logStream: { write: (line: string) => void logLines.push(line) } });
});
afterAll(() => h.close());

const login = (email: string, password: string) => h.api('POST', '/v1/auth/login', { email, password }, {});

describe('sign-in lockout', () => {
  it('five failures lock the e-mail for 15 minutes, even for the right password; then it opens again', async () => {
    const org = await h.createOrg();
    const email = `admin@${org}.test`;
    for (let attempt = 0; attempt < 5; attempt += 1) expect((await login(email, `wrong-${attempt}`)).statusCode).toBe(401);
    const locked = await login(email, 'admin-password');
    expect(locked.statusCode).toBe(429);
    expect(locked.json().code).toBe('LOGIN_LOCKED');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    await advance(h, { seconds: 15 * 60 + 1 });
    expect((await login(email, 'admin-password')).statusCode).toBe(200);
  });

  it('an unknown e-mail is counted and locked the same way', async () => {
    for (let attempt = 0; attempt < 5; attempt += 1) await login('nobody@nowhere.test', 'x-x-x-x');
    expect((await login('nobody@nowhere.test', 'x-x-x-x')).json().code).toBe('LOGIN_LOCKED');
  });
});

describe('security headers', () => {
  it('API answers and the web app carry helmet’s headers and a Content-Security-Policy', async () => {
    for (const url of ['/v1/plans', '/v1/orgs/nobody/balance']) {
      const response = await h.api('GET', url);
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(String(response.headers['content-security-policy'])).toContain("default-src 'self'");
      expect(String(response.headers['content-security-policy'])).toContain("frame-ancestors 'self'");
      expect(response.headers['referrer-policy']).toBe('no-referrer');
    }
  });

  it('the probes answer with the short set: load nothing, frame nowhere, no sniffing, no caching', async () => {
    for (const url of ['/healthz', '/readyz', '/metrics']) {
      const response = await h.api('GET', url, undefined, {});
      expect(response.statusCode, url).toBe(200);
      expect(response.headers['content-security-policy'], url).toBe("default-src 'none'; frame-ancestors 'none'");
      expect(response.headers['x-content-type-options'], url).toBe('nosniff');
      expect(response.headers['cache-control'], url).toBe('no-store');
      expect(response.headers['x-frame-options'], url).toBeUndefined();
    }
  });
});

describe('rate limits per caller', () => {
  it('past the limit a caller gets 429 RATE_LIMITED problem+json with Retry-After; another caller is unaffected', async () => {
    const limited = await startHarness({ rateLimitPerMinute: 15 });
    try {
      const answers = [];
      for (let index = 0; index < 20; index += 1) answers.push(await limited.api('GET', '/v1/plans'));
      const refused = answers.filter((answer) => answer.statusCode === 429);
      expect(refused.length).toBe(5);
      expect(refused[0]!.headers['content-type']).toContain('application/problem+json');
      expect(refused[0]!.json().code).toBe('RATE_LIMITED');
      expect(Number(refused[0]!.headers['retry-after'])).toBeGreaterThan(0);
      expect((await limited.api('GET', '/v1/plans', undefined, {})).statusCode).toBe(200);
    } finally {
      await limited.close();
    }
  });
});

describe('platform API keys', () => {
  it('are created (shown once), listed without secrets, revoked; the last active key cannot be revoked', async () => {
    const created = await h.api('POST', '/v1/api-keys', { name: 'ci' });
    expect(created.statusCode).toBe(201);
    const { id, key } = created.json() as { id: string; key: string };
    expect(key).toMatch(/^lb_sk_/);
    const listed = await h.api('GET', '/v1/api-keys');
    expect(JSON.stringify(listed.json())).not.toContain(key);
    expect((await h.api('DELETE', `/v1/api-keys/${id}`)).statusCode).toBe(204);
    expect((await h.api('GET', '/v1/api-keys', undefined, { authorization: `Bearer ${key}` })).statusCode).toBe(401);
    const stored = await h.db.selectFrom('api_keys').select('key_hash').execute();
    expect(JSON.stringify(stored)).not.toContain(key);
    const others = (listed.json() as { items: { id: string; revoked_at: string | null }[] }).items.filter((item) => item.id !== id && item.revoked_at === null);
    for (const other of others.slice(1)) await h.api('DELETE', `/v1/api-keys/${other.id}`);
    const last = await h.api('DELETE', `/v1/api-keys/${others[0]!.id}`);
    expect(last.statusCode).toBe(409);
    expect(last.json().code).toBe('LAST_API_KEY');
  });
});

describe('logs', () => {
  it('never contain card numbers, passwords, API keys, session cookies or CSRF tokens', async () => {
    const org = await createOrgAt(h, { plan: 'starter' });
    await addCard(h, org);
    await purchase(h, org, 100);
    const session = await login(`admin@${org}.test`, 'admin-password');
    const cookie = String(session.headers['set-cookie']).split(';')[0]!;
    const csrf = session.json().csrf_token as string;
    await h.api('GET', `/v1/orgs/${org}/balance`, undefined, { cookie });
    await h.api('PUT', `/v1/orgs/${org}/settings/on-demand`, { enabled: true }, { cookie, 'x-csrf-token': csrf });
    await h.api('POST', `/v1/orgs/${org}/payment-methods`, { card_number: '4000000000000002', exp_month: 1, exp_year: 2001, cvc: '999' });
    const logs = logLines.join('\n');
    expect(logs.length).toBeGreaterThan(1_000);
    for (const secret of ['4242424242424242', '4242 4242 4242 4242', '4000000000000002', 'admin-password', PLATFORM_KEY, cookie.split('=')[1]!, csrf]) {
      expect(logs, `a log line contains ${secret.slice(0, 6)}…`).not.toContain(secret);
    }
  });
});
