import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_START, startHarness, type Harness } from './support/harness.js';
import { expectProblem } from './support/problems.js';

/** Health, readiness, metrics, the API reference, the plan catalog, the test clock and unknown routes. */

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const NO_AUTH: Record<string, string> = {};

describe('health and readiness', () => {
  it('GET /healthz answers 200 without credentials', async () => {
    const response = await h.api('GET', '/healthz', undefined, NO_AUTH);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });

  it('GET /readyz answers 200 ready while the database answers', async () => {
    const response = await h.api('GET', '/readyz', undefined, NO_AUTH);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.json()).toEqual({ status: 'ready' });
  });
});

describe('metrics', () => {
  it('GET /metrics is Prometheus text with the request latency histogram', async () => {
    await h.api('GET', '/healthz', undefined, NO_AUTH);
    const response = await h.api('GET', '/metrics', undefined, NO_AUTH);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    expect(response.body).toContain('# HELP http_request_duration_seconds');
    expect(response.body).toContain('# TYPE http_request_duration_seconds histogram');
    expect(response.body).toMatch(/http_request_duration_seconds_bucket\{[^}]*route="\/healthz"[^}]*\} \d+/);
    expect(response.body).toMatch(/http_request_duration_seconds_count\{[^}]*status_code="200"[^}]*\} \d+/);
    // Default process metrics come along.
    expect(response.body).toContain('process_cpu_user_seconds_total');
  });

  it('labels a request by its route pattern, not its concrete path', async () => {
    const org = await h.createOrg();
    await h.api('GET', `/v1/orgs/${org}/balance`);
    const response = await h.api('GET', '/metrics', undefined, NO_AUTH);
    expect(response.body).toContain('route="/v1/orgs/:org/balance"');
    expect(response.body).not.toContain(`/v1/orgs/${org}/balance`);
  });
});

describe('API reference', () => {
  type OpenApi = { openapi: string; info: { title: string; version: string }; paths: Record<string, Record<string, unknown>>; components?: { securitySchemes?: Record<string, unknown> } };
  let doc: OpenApi;

  beforeAll(async () => {
    const response = await h.api('GET', '/openapi.json', undefined, NO_AUTH);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    doc = response.json() as OpenApi;
  });

  it('is an OpenAPI 3.1 document', () => {
    expect(doc.openapi).toMatch(/^3\.1\./);
    expect(doc.info.title).toBe('loupe-billing');
    expect(Object.keys(doc.components?.securitySchemes ?? {})).toEqual(expect.arrayContaining(['platformKey', 'session']));
  });

  it.each([
    ['/healthz', ['get']],
    ['/readyz', ['get']],
    ['/metrics', ['get']],
    ['/v1/auth/login', ['post']],
    ['/v1/auth/logout', ['post']],
    ['/v1/auth/me', ['get']],
    ['/v1/plans', ['get']],
    ['/v1/orgs', ['post']],
    ['/v1/orgs/{org}', ['get']],
    ['/v1/orgs/{org}/members', ['post']],
    ['/v1/orgs/{org}/grants', ['post']],
    ['/v1/orgs/{org}/balance', ['get']],
    ['/v1/orgs/{org}/ai/authorize', ['post']],
    ['/v1/orgs/{org}/ai/holds/{hold_id}/release', ['post']],
    ['/v1/orgs/{org}/ai/usage', ['post']],
    ['/v1/orgs/{org}/usage', ['get']],
    ['/v1/orgs/{org}/settings/ai-features', ['get', 'put']],
    ['/v1/orgs/{org}/settings/on-demand', ['get', 'put']],
    ['/v1/orgs/{org}/settings/notifications', ['get', 'put']],
    ['/v1/test-clock', ['get']],
    ['/v1/test-clock/advance', ['post']],
  ])('documents %s', (path, methods) => {
    expect(Object.keys(doc.paths)).toContain(path);
    expect(Object.keys(doc.paths[path] ?? {})).toEqual(expect.arrayContaining(methods));
  });

  it('documents the usage list’s filters and pagination', () => {
    const operation = doc.paths['/v1/orgs/{org}/usage']?.get as { parameters?: { name: string; in: string }[] };
    const query = (operation.parameters ?? []).filter((parameter) => parameter.in === 'query').map((parameter) => parameter.name);
    expect(query).toEqual(expect.arrayContaining(['from', 'to', 'user_id', 'feature', 'action', 'limit', 'cursor']));
  });

  it('GET /docs serves the reference page as HTML without credentials', async () => {
    const response = await h.api('GET', '/docs', undefined, NO_AUTH);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.body.toLowerCase()).toContain('<html');
  });
});

describe('plan catalog', () => {
  it('GET /v1/plans lists the four plans with their prices and credits, without credentials', async () => {
    const response = await h.api('GET', '/v1/plans', undefined, NO_AUTH);
    expect(response.statusCode).toBe(200);
    const { items } = response.json() as {
      items: { id: string; name: string; base_price_cents: number; currency: string; included_users: number; included_credits: number; features: string[] }[];
    };
    expect(items.map((plan) => plan.id)).toEqual(['starter', 'team', 'business', 'enterprise']);
    const byId = Object.fromEntries(items.map((plan) => [plan.id, plan]));
    expect(byId.starter).toMatchObject({ name: 'Starter', base_price_cents: 4_900, currency: 'USD', included_users: 5, included_credits: 2_000 });
    expect(byId.team).toMatchObject({ name: 'Team', base_price_cents: 19_900, currency: 'USD', included_users: 20, included_credits: 10_000 });
    expect(byId.business).toMatchObject({ name: 'Business', base_price_cents: 79_900, currency: 'USD', included_users: 100, included_credits: 50_000 });
    expect(byId.enterprise).toMatchObject({ name: 'Enterprise', currency: 'USD' });
    for (const plan of items) {
      expect(plan.features).toEqual(expect.arrayContaining(['assistant', 'reports']));
    }
  });
});

describe('test clock', () => {
  it('GET /v1/test-clock answers the clock’s time', async () => {
    const response = await h.api('GET', '/v1/test-clock');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ now: h.clock.now().toISOString() });
    expect(h.clock.now().getTime()).toBeGreaterThanOrEqual(DEFAULT_START.getTime());
  });

  it('advances by seconds, then to a time, and never back', async () => {
    const start = h.clock.now().getTime();
    const bySeconds = await h.api('POST', '/v1/test-clock/advance', { seconds: 90 });
    expect(bySeconds.statusCode, bySeconds.body).toBe(200);
    expect(bySeconds.json()).toEqual({ now: new Date(start + 90_000).toISOString() });
    expect((await h.api('GET', '/v1/test-clock')).json()).toEqual({ now: new Date(start + 90_000).toISOString() });

    const target = new Date(start + 3 * 86_400_000);
    const toTime = await h.api('POST', '/v1/test-clock/advance', { to: target.toISOString() });
    expect(toTime.statusCode, toTime.body).toBe(200);
    expect(toTime.json()).toEqual({ now: target.toISOString() });
    expect((await h.api('GET', '/v1/test-clock')).json()).toEqual({ now: target.toISOString() });

    const zero = await h.api('POST', '/v1/test-clock/advance', { seconds: 0 });
    expect(zero.json()).toEqual({ now: target.toISOString() });

    expectProblem(await h.api('POST', '/v1/test-clock/advance', { to: new Date(start).toISOString() }), 422, 'VALIDATION_FAILED');
    expect(h.clock.now().toISOString()).toBe(target.toISOString());
  });

  it.each([
    ['neither to nor seconds', {}],
    ['both to and seconds', { to: '2030-01-01T00:00:00.000Z', seconds: 5 }],
    ['negative seconds', { seconds: -1 }],
    ['seconds as a string', { seconds: '60' }],
    ['a to that is not a date-time', { to: 'tomorrow' }],
    ['an unknown field', { days: 1 }],
    ['more than ten years ahead', { seconds: 11 * 366 * 86_400 }],
  ])('rejects %s with 422 and leaves the clock alone', async (_name, body) => {
    const before = h.clock.now().toISOString();
    expectProblem(await h.api('POST', '/v1/test-clock/advance', body), 422, 'VALIDATION_FAILED');
    expect(h.clock.now().toISOString()).toBe(before);
  });

  describe('without the test clock', () => {
    let off: Harness;
    beforeAll(async () => {
      off = await startHarness({ testClock: false });
    });
    afterAll(() => off.close());

    it('GET /v1/test-clock and POST /v1/test-clock/advance answer 404 problem+json', async () => {
      expectProblem(await off.api('GET', '/v1/test-clock'), 404, 'NOT_FOUND');
      expectProblem(await off.api('POST', '/v1/test-clock/advance', { seconds: 60 }), 404, 'NOT_FOUND');
      expectProblem(await off.api('POST', '/v1/test-clock/advance', { to: '2027-01-01T00:00:00.000Z' }), 404, 'NOT_FOUND');
    });

    it('the API reference does not list the test clock', async () => {
      const doc = (await off.api('GET', '/openapi.json', undefined, NO_AUTH)).json() as { paths: Record<string, unknown> };
      expect(Object.keys(doc.paths)).not.toContain('/v1/test-clock');
      expect(Object.keys(doc.paths)).not.toContain('/v1/test-clock/advance');
      expect(Object.keys(doc.paths)).toContain('/v1/orgs/{org}/balance');
    });

    it('the rest of the app still works', async () => {
      const org = await off.createOrg();
      const response = await off.api('GET', `/v1/orgs/${org}/balance`);
      expect(response.statusCode, response.body).toBe(200);
      expect((await off.api('GET', '/readyz', undefined, NO_AUTH)).json()).toEqual({ status: 'ready' });
    });
  });
});

describe('unknown routes', () => {
  it.each([
    ['GET', '/v1/nope'],
    ['GET', '/v1/orgs/some-org/nothing-here'],
    ['GET', '/v2/plans'],
  ])('%s %s answers 404 problem+json', async (method, url) => {
    const response = await h.api(method, url);
    expectProblem(response, 404, 'NOT_FOUND');
    expect((response.json() as { detail: string }).detail).toContain(url);
  });
});

describe('unknown paths without credentials', () => {
  it('answer 404, not 401', async () => {
    const response = await h.api('GET', '/v1/nope', undefined, {});
    expect(response.statusCode).toBe(404);
    expect(response.json().code).toBe('NOT_FOUND');
  });
});
