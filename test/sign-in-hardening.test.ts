import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { startHarness, type Harness } from './support/harness.js';
import { as, signIn } from './support/sessions.js';
import { LOGIN_MAX_FAILURES } from '../src/identity/sessions.js';
import { recordFigures } from './support/reliability.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

describe('sign-in lockout under concurrency (issue 12.5)', () => {
  it('40 guesses sent at once check at most five passwords, the rest are refused as locked', async () => {
    const org = await h.createOrg();
    const email = `admin@${org}.test`;
    const guesses = Array.from({ length: 40 }, (_, index) => (index === 39 ? 'admin-password' : `wrong-guess-${index}`));
    const answers = await Promise.all(guesses.map((password) => h.api('POST', '/v1/auth/login', { email, password }, {})));
    const codes = answers.map((answer) => (answer.statusCode === 200 ? 'SIGNED_IN' : (answer.json().code as string)));
    const checked = codes.filter((code) => code !== 'LOGIN_LOCKED');
    recordFigures('sign-in', { simultaneous_guesses: guesses.length, passwords_checked: checked.length });
    expect(checked.length).toBeLessThanOrEqual(LOGIN_MAX_FAILURES);
    expect(codes.filter((code) => code === 'LOGIN_LOCKED').length).toBeGreaterThanOrEqual(40 - LOGIN_MAX_FAILURES);
    // Whether or not the right password was among the five checked, the sixth check never happens.
    expect(codes.filter((code) => code === 'INVALID_CREDENTIALS').length + codes.filter((code) => code === 'SIGNED_IN').length).toBe(checked.length);
  });

  it('sequential wrong guesses lock on the sixth, and a right password then is refused too', async () => {
    const org = await h.createOrg();
    const email = `admin@${org}.test`;
    for (let index = 0; index < LOGIN_MAX_FAILURES; index += 1) {
      expect((await h.api('POST', '/v1/auth/login', { email, password: `wrong-${index}` }, {})).json().code).toBe('INVALID_CREDENTIALS');
    }
    expect((await h.api('POST', '/v1/auth/login', { email, password: 'admin-password' }, {})).json().code).toBe('LOGIN_LOCKED');
  });

  it('a right password clears the failures counted before it', async () => {
    const org = await h.createOrg();
    const email = `admin@${org}.test`;
    for (let index = 0; index < LOGIN_MAX_FAILURES - 1; index += 1) await h.api('POST', '/v1/auth/login', { email, password: `wrong-${index}` }, {});
    await signIn(h, email, 'admin-password');
    for (let index = 0; index < LOGIN_MAX_FAILURES - 1; index += 1) await h.api('POST', '/v1/auth/login', { email, password: `wrong-${index}` }, {});
    await signIn(h, email, 'admin-password');
  });
});

describe('rate limits key on the verified caller (issue 12.6)', () => {
  const randomCookie = () => ({ cookie: `loupe_session=lbs_${randomBytes(16).toString('hex')}; other=${randomBytes(4).toString('hex')}` });

  it('random cookies do not give a caller a fresh allowance: they count against the address', async () => {
    const limited = await startHarness({ rateLimitPerMinute: 10, platformRateLimitPerMinute: 1_000 });
    try {
      const answers = [];
      for (let index = 0; index < 12; index += 1) answers.push(await limited.api('GET', '/v1/plans', undefined, randomCookie()));
      expect(answers.map((answer) => answer.statusCode).filter((status) => status === 429)).toHaveLength(2);
      expect(answers.at(-1)!.json().code).toBe('RATE_LIMITED');
    } finally {
      await limited.close();
    }
  });

  it('made-up API keys count against the address too, and are refused with 401 until then', async () => {
    const limited = await startHarness({ rateLimitPerMinute: 10, platformRateLimitPerMinute: 1_000 });
    try {
      const statuses = [];
      for (let index = 0; index < 12; index += 1) {
        statuses.push((await limited.api('GET', '/v1/api-keys', undefined, { authorization: `Bearer lb_sk_${randomBytes(16).toString('hex')}` })).statusCode);
      }
      expect(statuses.slice(0, 10).every((status) => status === 401)).toBe(true);
      expect(statuses.slice(10)).toEqual([429, 429]);
    } finally {
      await limited.close();
    }
  });

  it('a signed-in user is counted as one caller whatever cookies are added, apart from the platform key', async () => {
    const limited = await startHarness({ rateLimitPerMinute: 10, platformRateLimitPerMinute: 1_000 });
    try {
      const org = await limited.createOrg();
      const session = await signIn(limited, `admin@${org}.test`, 'admin-password');
      const statuses = [];
      for (let index = 0; index < 12; index += 1) {
        statuses.push((await limited.api('GET', `/v1/orgs/${org}/balance`, undefined, { cookie: `${session.cookie}; noise=${randomBytes(4).toString('hex')}` })).statusCode);
      }
      // The sign-in itself was one request from the address, not from the user.
      expect(statuses.filter((status) => status === 429)).toHaveLength(2);
      expect((await limited.api('GET', `/v1/orgs/${org}/balance`)).statusCode).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('health probes are never limited', async () => {
    const limited = await startHarness({ rateLimitPerMinute: 10 });
    try {
      for (let index = 0; index < 15; index += 1) expect((await limited.api('GET', '/healthz', undefined, {})).statusCode).toBe(200);
    } finally {
      await limited.close();
    }
  });
});

describe('a password change ends every other session (issue 12.7)', () => {
  it('the session that changed the password stays; every other one of that user is signed out', async () => {
    const org = await h.createOrg();
    const email = `admin@${org}.test`;
    const laptop = await signIn(h, email, 'admin-password');
    const phone = await signIn(h, email, 'admin-password');
    const changed = await h.api('PATCH', '/v1/auth/me', { current_password: 'admin-password', new_password: 'a-brand-new-password' }, as(laptop));
    expect(changed.statusCode, changed.body).toBe(200);
    expect((await h.api('GET', '/v1/auth/me', undefined, as(laptop))).statusCode).toBe(200);
    const stale = await h.api('GET', '/v1/auth/me', undefined, as(phone));
    expect(stale.statusCode).toBe(401);
    expect((await h.api('GET', `/v1/orgs/${org}/balance`, undefined, as(phone))).statusCode).toBe(401);
  });

  it('a name change alone signs no one out', async () => {
    const org = await h.createOrg();
    const laptop = await signIn(h, `admin@${org}.test`, 'admin-password');
    const phone = await signIn(h, `admin@${org}.test`, 'admin-password');
    expect((await h.api('PATCH', '/v1/auth/me', { name: 'Renamed' }, as(laptop))).statusCode).toBe(200);
    expect((await h.api('GET', '/v1/auth/me', undefined, as(phone))).statusCode).toBe(200);
  });
});
