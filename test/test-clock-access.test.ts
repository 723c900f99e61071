import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness.js';

/**
 * Moving the test clock moves time for every org at once (periods roll over, holds and grants
 * expire): only the platform key may do it. Reading the clock tells nothing about any org.
 */

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

async function adminSession(org: string): Promise<Record<string, string>> {
  const response = await h.api('POST', '/v1/auth/login', { email: `admin@${org}.test`, password: 'admin-password' }, {});
  expect(response.statusCode, response.body).toBe(200);
  const cookie = String(response.headers['set-cookie']).split(';')[0]!;
  return { cookie, 'x-csrf-token': (response.json() as { csrf_token: string }).csrf_token };
}

describe('POST /v1/test-clock/advance', () => {
  it('without credentials: 401, and the clock stays where it was', async () => {
    const before = h.clock.now().toISOString();
    const response = await h.api('POST', '/v1/test-clock/advance', { seconds: 10 * 365 * 86_400 }, {});
    expect(response.statusCode, response.body).toBe(401);
    expect(response.json().code).toBe('UNAUTHENTICATED');
    expect(h.clock.now().toISOString()).toBe(before);
  });

  it('with an unknown key: 401, and the clock stays where it was', async () => {
    const before = h.clock.now().toISOString();
    const response = await h.api('POST', '/v1/test-clock/advance', { seconds: 60 }, { authorization: 'Bearer lb_sk_not_a_real_key_0123456789' });
    expect(response.statusCode, response.body).toBe(401);
    expect(h.clock.now().toISOString()).toBe(before);
  });

  it("with an org admin's session: 403 (it would move every other org too)", async () => {
    const org = await h.createOrg();
    const before = h.clock.now().toISOString();
    const response = await h.api('POST', '/v1/test-clock/advance', { seconds: 60 }, await adminSession(org));
    expect(response.statusCode, response.body).toBe(403);
    expect(response.json().code).toBe('FORBIDDEN');
    expect(h.clock.now().toISOString()).toBe(before);
  });

  it('with the platform key: moves the clock', async () => {
    const before = h.clock.now().getTime();
    const response = await h.api('POST', '/v1/test-clock/advance', { seconds: 60 });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({ now: new Date(before + 60_000).toISOString() });
  });

  it('the API reference says it needs the platform key (401, 403)', async () => {
    const doc = (await h.api('GET', '/openapi.json', undefined, {})).json() as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
    expect(Object.keys(doc.paths['/v1/test-clock/advance']!.post!.responses)).toEqual(expect.arrayContaining(['401', '403']));
  });
});

describe('GET /v1/test-clock', () => {
  it('stays readable without credentials', async () => {
    const response = await h.api('GET', '/v1/test-clock', undefined, {});
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ now: h.clock.now().toISOString() });
  });
});
