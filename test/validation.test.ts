import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { PLATFORM_KEY, startHarness, type Harness } from './support/harness.js';

/**
 * "Every endpoint validates its body, query and path: wrong types, missing fields, negative or
 * fractional tokens, tokens above a sane limit (100,000,000), unknown feature, unknown org,
 * oversized bodies (limit 64 KiB), malformed JSON → 4xx problem+json naming every bad field.
 * Never a 500, never a partial write."
 */

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
afterEach(() => h.expectCleanAudit());

const AUTH = { authorization: `Bearer ${PLATFORM_KEY}` };
const JSON_HEADERS = { ...AUTH, 'content-type': 'application/json' };
const STARTER_CREDITS = 2_000;
const KIB = 1024;

interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  errors?: Record<string, string[]>;
}

/** A problem+json answer with `status` and `code`, whose `errors` names every field in `fields`. */
function expectProblem(response: LightMyRequestResponse, status: number, code: string, fields: readonly string[] = []): Problem {
  expect(response.statusCode, response.body).toBe(status);
  expect(response.headers['content-type']).toContain('application/problem+json');
  const problem = response.json() as Problem;
  expect(problem).toMatchObject({ status, code });
  for (const key of ['type', 'title', 'detail'] as const) {
    expect(typeof problem[key], key).toBe('string');
    expect(problem[key].length, key).toBeGreaterThan(0);
  }
  if (fields.length > 0) {
    expect(Object.keys(problem.errors ?? {}), response.body).toEqual(expect.arrayContaining([...fields]));
    for (const field of fields) expect(problem.errors?.[field]?.length, `a message for ${field}`).toBeGreaterThan(0);
  }
  return problem;
}

const expectInvalid = (response: LightMyRequestResponse, ...fields: string[]) => expectProblem(response, 422, 'VALIDATION_FAILED', fields);

/** Any 4xx problem+json: the request was refused, and said so in the contract's shape. */
function expectRefused(response: LightMyRequestResponse): Problem {
  expect(response.statusCode, response.body).toBeGreaterThanOrEqual(400);
  expect(response.statusCode, response.body).toBeLessThan(500);
  expect(response.headers['content-type']).toContain('application/problem+json');
  const problem = response.json() as Problem;
  expect(problem).toMatchObject({ status: response.statusCode, code: expect.any(String), type: expect.any(String), title: expect.any(String), detail: expect.any(String) });
  return problem;
}

async function getJson(url: string) {
  const response = await h.api('GET', url);
  expect(response.statusCode, `${url}: ${response.body}`).toBe(200);
  return response.json() as Record<string, unknown>;
}

async function count(table: 'orgs' | 'users' | 'memberships' | 'grants' | 'holds' | 'ledger_entries' | 'usage_records', org?: string) {
  const where = org === undefined ? sql`` : sql`where org_id = ${org}`;
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)} ${where}`.execute(h.db);
  return rows[0]?.n ?? 0;
}

/** Everything a request could have changed about an org, as the API and the tables show it. */
async function snapshot(org: string) {
  return {
    balance: await getJson(`/v1/orgs/${org}/balance`),
    usage: await getJson(`/v1/orgs/${org}/usage`),
    aiFeatures: await getJson(`/v1/orgs/${org}/settings/ai-features`),
    onDemand: await getJson(`/v1/orgs/${org}/settings/on-demand`),
    notifications: await getJson(`/v1/orgs/${org}/settings/notifications`),
    members: await getJson(`/v1/orgs/${org}/members`),
    clock: await getJson('/v1/test-clock'),
    rows: {
      orgs: await count('orgs'),
      users: await count('users'),
      grants: await count('grants', org),
      holds: await count('holds', org),
      ledger: await count('ledger_entries', org),
      usage: await count('usage_records', org),
    },
  };
}

/** The org still has exactly its starter credits, nothing held and no usage row. */
async function expectNothingCharged(org: string) {
  const balance = await getJson(`/v1/orgs/${org}/balance`);
  expect(balance).toMatchObject({ available: STARTER_CREDITS, held: 0, plan: { remaining: STARTER_CREDITS }, promotional: { remaining: 0 } });
  expect((await getJson(`/v1/orgs/${org}/usage`)).items).toEqual([]);
  expect(await count('usage_records', org)).toBe(0);
  expect(await count('holds', org)).toBe(0);
}

let keySequence = 0;
function usageBody(extra: Record<string, unknown> = {}) {
  keySequence += 1;
  return { idempotency_key: `validation-${keySequence}`, user_id: 'user-1', feature: 'assistant', action: 'chat', tokens: 1_000, ...extra };
}

const authorizeBody = (extra: Record<string, unknown> = {}) => ({ user_id: 'user-1', feature: 'assistant', action: 'chat', ...extra });
const grantBody = (extra: Record<string, unknown> = {}) => ({ source: 'promotional', credits: 50, reason: 'validation test', ...extra });
let orgSequence = 0;
function newOrgBody(extra: Record<string, unknown> = {}) {
  orgSequence += 1;
  return {
    id: `vorg-${orgSequence}-${Date.now().toString(36)}`,
    name: 'Validation Org',
    plan: 'starter',
    billing_address: { country: 'US', region: 'CA' },
    admin: { email: `admin-${orgSequence}@validation.test`, name: 'Admin' },
    ...extra,
  };
}
const memberBody = (extra: Record<string, unknown> = {}) => ({ email: `member-${++orgSequence}@validation.test`, name: 'Member', role: 'member', ...extra });

/** Every endpoint that takes a JSON body, with a body it would accept. */
const BODY_ENDPOINTS: readonly { name: string; method: string; path: (org: string) => string; body: () => Record<string, unknown> }[] = [
  { name: 'POST /v1/orgs/{org}/ai/usage', method: 'POST', path: (org) => `/v1/orgs/${org}/ai/usage`, body: () => usageBody() },
  { name: 'POST /v1/orgs/{org}/ai/authorize', method: 'POST', path: (org) => `/v1/orgs/${org}/ai/authorize`, body: () => authorizeBody() },
  { name: 'POST /v1/orgs/{org}/grants', method: 'POST', path: (org) => `/v1/orgs/${org}/grants`, body: () => grantBody() },
  { name: 'POST /v1/orgs', method: 'POST', path: () => '/v1/orgs', body: () => newOrgBody() },
  { name: 'PUT /v1/orgs/{org}/settings/ai-features', method: 'PUT', path: (org) => `/v1/orgs/${org}/settings/ai-features`, body: () => ({ modules: { reports: false } }) },
  { name: 'PUT /v1/orgs/{org}/settings/on-demand', method: 'PUT', path: (org) => `/v1/orgs/${org}/settings/on-demand`, body: () => ({ enabled: true, monthly_limit_credits: 10 }) },
  { name: 'PUT /v1/orgs/{org}/settings/notifications', method: 'PUT', path: (org) => `/v1/orgs/${org}/settings/notifications`, body: () => ({ low_balance_threshold: 5 }) },
  { name: 'POST /v1/orgs/{org}/members', method: 'POST', path: (org) => `/v1/orgs/${org}/members`, body: () => memberBody() },
  { name: 'POST /v1/test-clock/advance', method: 'POST', path: () => '/v1/test-clock/advance', body: () => ({ seconds: 60 }) },
];

const ORG_ENDPOINTS = BODY_ENDPOINTS.filter((endpoint) => endpoint.path('ORG').includes('ORG'));

describe('request framing, on every endpoint with a body', () => {
  it.each(BODY_ENDPOINTS)('$name: malformed JSON is a 400 INVALID_JSON and changes nothing', async ({ method, path }) => {
    const org = await h.createOrg();
    const before = await snapshot(org);
    for (const raw of ['{"tokens": ', '{bad json}', "{'single': 'quotes'}", '{"a":1,}', '{"a":1}{"b":2}', 'undefined']) {
      expectProblem(await h.api(method, path(org), raw, JSON_HEADERS), 400, 'INVALID_JSON');
    }
    expect(await snapshot(org)).toEqual(before);
  });

  it.each(BODY_ENDPOINTS)('$name: an empty JSON body is no body: a 422 naming what is missing, nothing changes', async ({ method, path }) => {
    const org = await h.createOrg();
    const before = await snapshot(org);
    const problem = expectProblem(await h.api(method, path(org), '', JSON_HEADERS), 422, 'VALIDATION_FAILED');
    expect(Object.keys(problem.errors ?? {}).length).toBeGreaterThan(0);
    expect(await snapshot(org)).toEqual(before);
  });

  it.each(BODY_ENDPOINTS)('$name: a body over 64 KiB is a 413 PAYLOAD_TOO_LARGE and changes nothing', async ({ method, path, body }) => {
    const org = await h.createOrg();
    const before = await snapshot(org);
    const oversized = JSON.stringify({ ...body(), padding: 'x'.repeat(64 * KIB) });
    expectProblem(await h.api(method, path(org), oversized, JSON_HEADERS), 413, 'PAYLOAD_TOO_LARGE');
    expect(await snapshot(org)).toEqual(before);
  });

  it.each(BODY_ENDPOINTS)('$name: a body just under 64 KiB is read, and its unknown field named', async ({ method, path, body }) => {
    const org = await h.createOrg();
    const before = await snapshot(org);
    const large = JSON.stringify({ ...body(), padding: 'x'.repeat(60 * KIB) });
    expectInvalid(await h.api(method, path(org), large, JSON_HEADERS), 'padding');
    expect(await snapshot(org)).toEqual(before);
  });

  it.each(BODY_ENDPOINTS)('$name: a non-JSON content type is a 415 UNSUPPORTED_MEDIA_TYPE', async ({ method, path }) => {
    const org = await h.createOrg();
    const before = await snapshot(org);
    expectProblem(await h.api(method, path(org), 'tokens=5', { ...AUTH, 'content-type': 'application/x-www-form-urlencoded' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expectProblem(await h.api(method, path(org), '<tokens>5</tokens>', { ...AUTH, 'content-type': 'application/xml' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expect(await snapshot(org)).toEqual(before);
  });

  it.each(BODY_ENDPOINTS)('$name: a text/plain body is refused with a problem and changes nothing', async ({ method, path, body }) => {
    const org = await h.createOrg();
    const before = await snapshot(org);
    expectRefused(await h.api(method, path(org), JSON.stringify(body()), { ...AUTH, 'content-type': 'text/plain' }));
    expect(await snapshot(org)).toEqual(before);
  });

  it.each(BODY_ENDPOINTS)('$name: a JSON body that is not an object is a 422 naming body', async ({ method, path }) => {
    const org = await h.createOrg();
    const before = await snapshot(org);
    for (const raw of ['[]', 'null', '"a string"', '42', 'true']) {
      expectInvalid(await h.api(method, path(org), raw, JSON_HEADERS), 'body');
    }
    expect(await snapshot(org)).toEqual(before);
  });

  it.each(BODY_ENDPOINTS)('$name: an unknown extra field is refused and named', async ({ method, path, body }) => {
    const org = await h.createOrg();
    const before = await snapshot(org);
    expectInvalid(await h.api(method, path(org), { ...body(), is_admin: true, __extra: 'x' }), 'is_admin', '__extra');
    expect(await snapshot(org)).toEqual(before);
  });

  it.each(BODY_ENDPOINTS)('$name: 10,000 levels of nested arrays in a field are a 422, never a 500', async ({ method, path, body }) => {
    const org = await h.createOrg();
    const before = await snapshot(org);
    const valid = JSON.stringify(body());
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    const raw = `{"nested":${deep},${valid.slice(1)}`;
    expectInvalid(await h.api(method, path(org), raw, JSON_HEADERS), 'nested');
    expect(await snapshot(org)).toEqual(before);
  });

  it.each(BODY_ENDPOINTS)('$name: 10,000 levels of nested objects in a field are a 422, never a 500', async ({ method, path, body }) => {
    const org = await h.createOrg();
    const before = await snapshot(org);
    const valid = JSON.stringify(body());
    const deep = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
    const raw = `{"nested":${deep},${valid.slice(1)}`;
    expectInvalid(await h.api(method, path(org), raw, JSON_HEADERS), 'nested');
    expect(await snapshot(org)).toEqual(before);
  });

  it.each(BODY_ENDPOINTS)('$name: prototype-poisoning keys are refused as invalid JSON', async ({ method, path, body }) => {
    const org = await h.createOrg();
    const before = await snapshot(org);
    const valid = JSON.stringify(body()).slice(1);
    expectProblem(await h.api(method, path(org), `{"__proto__":{"is_admin":true},${valid}`, JSON_HEADERS), 400, 'INVALID_JSON');
    expectProblem(await h.api(method, path(org), `{"constructor":{"prototype":{"is_admin":true}},${valid}`, JSON_HEADERS), 400, 'INVALID_JSON');
    expect(await snapshot(org)).toEqual(before);
  });

  it.each(ORG_ENDPOINTS)('$name: an unknown org is a 404 ORG_NOT_FOUND', async ({ method, path, body }) => {
    expectProblem(await h.api(method, path('no-such-org'), body()), 404, 'ORG_NOT_FOUND');
  });

  it.each(ORG_ENDPOINTS)('$name: an unknown org with a bad body is refused as not found or invalid, never a 500', async ({ method, path }) => {
    // Org routes check the org before the body (404); the platform-only grants route checks the body first (422).
    for (const body of [{ tokens: -1, feature: 'telepathy' }, undefined]) {
      const problem = expectRefused(await h.api(method, path('no-such-org'), body));
      expect(['ORG_NOT_FOUND', 'VALIDATION_FAILED']).toContain(problem.code);
    }
  });

  it('a body that claims more than 64 KiB in content-length is a 413 and nothing is charged', async () => {
    const org = await h.createOrg();
    const response = await h.api('POST', `/v1/orgs/${org}/ai/usage`, JSON.stringify(usageBody()), { ...JSON_HEADERS, 'content-length': String(64 * KIB + 1) });
    expectProblem(response, 413, 'PAYLOAD_TOO_LARGE');
    await expectNothingCharged(org);
  });
});

describe('POST /v1/orgs/{org}/ai/usage', () => {
  it.each([
    ['negative tokens', -1],
    ['fractional tokens', 1.5],
    ['negative fractional tokens', -1.5],
    ['tokens as a string', '5'],
    ['tokens above 100,000,000', 100_000_001],
    ['tokens above 2^53', 2 ** 53 + 2],
    ['null tokens', null],
    ['boolean tokens', true],
    ['tokens as an object', { value: 5 }],
    ['tokens as an array', [5]],
  ])('%s are refused and nothing is charged', async (_rule, tokens) => {
    const org = await h.createOrg();
    expectInvalid(await h.api('POST', `/v1/orgs/${org}/ai/usage`, usageBody({ tokens })), 'tokens');
    await expectNothingCharged(org);
  });

  it('missing tokens are refused and nothing is charged', async () => {
    const org = await h.createOrg();
    const { tokens: _dropped, ...body } = usageBody();
    expectInvalid(await h.api('POST', `/v1/orgs/${org}/ai/usage`, body), 'tokens');
    await expectNothingCharged(org);
  });

  it('tokens written as 1e400 (infinite once parsed) are refused and nothing is charged', async () => {
    const org = await h.createOrg();
    const raw = JSON.stringify(usageBody({ tokens: 0 })).replace('"tokens":0', '"tokens":1e400');
    expectInvalid(await h.api('POST', `/v1/orgs/${org}/ai/usage`, raw, JSON_HEADERS), 'tokens');
    await expectNothingCharged(org);
  });

  it('exactly 100,000,000 tokens are accepted', async () => {
    const org = await h.createOrg();
    const response = await h.api('POST', `/v1/orgs/${org}/ai/usage`, usageBody({ tokens: 100_000_000 }));
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json()).toMatchObject({ credits: 100_000 });
    const usage = await getJson(`/v1/orgs/${org}/usage`);
    expect(usage.items).toEqual([expect.objectContaining({ tokens: 100_000_000, credits: 100_000 })]);
  });

  it('an unknown feature is refused, naming the feature, and nothing is charged', async () => {
    const org = await h.createOrg();
    for (const feature of ['telepathy', '', 'ASSISTANT', '🦄', 42]) {
      expectInvalid(await h.api('POST', `/v1/orgs/${org}/ai/usage`, usageBody({ feature })), 'feature');
    }
    await expectNothingCharged(org);
  });

  it('a request with several bad fields names every one of them, and nothing is charged', async () => {
    const org = await h.createOrg();
    const { user_id: _missing, ...body } = usageBody({ tokens: -1.5, feature: 'telepathy' });
    const problem = expectInvalid(await h.api('POST', `/v1/orgs/${org}/ai/usage`, body), 'tokens', 'feature', 'user_id');
    expect(problem.detail).toContain('tokens');
    await expectNothingCharged(org);
  });

  it('every field wrong at once: each is named', async () => {
    const org = await h.createOrg();
    const response = await h.api('POST', `/v1/orgs/${org}/ai/usage`, {
      idempotency_key: '',
      hold_id: 5,
      user_id: 'x'.repeat(201),
      user_name: '',
      feature: 'telepathy',
      action: 'line\nbreak',
      tokens: '10',
      occurred_at: 'yesterday',
      priority: 'high',
    });
    expectInvalid(response, 'idempotency_key', 'hold_id', 'user_id', 'user_name', 'feature', 'action', 'tokens', 'occurred_at', 'priority');
    await expectNothingCharged(org);
  });

  it('an empty object names every required field', async () => {
    const org = await h.createOrg();
    expectInvalid(await h.api('POST', `/v1/orgs/${org}/ai/usage`, {}), 'idempotency_key', 'user_id', 'feature', 'action', 'tokens');
    await expectNothingCharged(org);
  });

  it.each(['2026-13-01T00:00:00Z', '2026-02-30T00:00:00Z', '2026-01-31', '31/01/2026 10:00', '2026-01-31T25:00:00Z', 'now', ''])(
    'occurred_at %j is refused and nothing is charged',
    async (occurred_at) => {
      const org = await h.createOrg();
      expectInvalid(await h.api('POST', `/v1/orgs/${org}/ai/usage`, usageBody({ occurred_at })), 'occurred_at');
      await expectNothingCharged(org);
    },
  );

  it('occurred_at in the future is refused and nothing is charged', async () => {
    const org = await h.createOrg();
    const future = new Date(h.clock.now().getTime() + 86_400_000).toISOString();
    expectInvalid(await h.api('POST', `/v1/orgs/${org}/ai/usage`, usageBody({ occurred_at: future })), 'occurred_at');
    await expectNothingCharged(org);
  });

  it('an unknown hold is refused, naming hold_id, and nothing is charged', async () => {
    const org = await h.createOrg();
    expectInvalid(await h.api('POST', `/v1/orgs/${org}/ai/usage`, usageBody({ hold_id: 'hold_does_not_exist' })), 'hold_id');
    await expectNothingCharged(org);
  });

  it('control characters in identifiers are refused and nothing is charged', async () => {
    const org = await h.createOrg();
    for (const value of ['tab\there', 'nul\u0000byte', 'bell\u0007']) {
      expectInvalid(await h.api('POST', `/v1/orgs/${org}/ai/usage`, usageBody({ user_id: value, action: value, idempotency_key: value })), 'user_id', 'action', 'idempotency_key');
    }
    await expectNothingCharged(org);
  });

  it('a refused request does not use up its idempotency key', async () => {
    const org = await h.createOrg();
    const body = usageBody();
    expectInvalid(await h.api('POST', `/v1/orgs/${org}/ai/usage`, { ...body, tokens: -1 }), 'tokens');
    const accepted = await h.api('POST', `/v1/orgs/${org}/ai/usage`, body);
    expect(accepted.statusCode, accepted.body).toBe(201);
    expect(accepted.json()).toMatchObject({ credits: 1, charged: 1 });
  });

  it('unicode and emoji in user ids, names and actions are stored and listed back as sent', async () => {
    const org = await h.createOrg();
    const body = usageBody({ user_id: 'ünï-🦄', user_name: '👩‍💻 Zoë Ångström 株式会社', action: 'résumé ✨ 要約' });
    const response = await h.api('POST', `/v1/orgs/${org}/ai/usage`, body);
    expect(response.statusCode, response.body).toBe(201);
    const usage = await getJson(`/v1/orgs/${org}/usage?user_id=${encodeURIComponent('ünï-🦄')}`);
    expect(usage.items).toEqual([expect.objectContaining({ user_id: 'ünï-🦄', user_name: '👩‍💻 Zoë Ångström 株式会社', action: 'résumé ✨ 要約' })]);
  });
});

describe('POST /v1/orgs/{org}/ai/authorize', () => {
  it.each([
    ['negative', -1],
    ['fractional', 2.5],
    ['a string', '1000'],
    ['above 100,000,000', 100_000_001],
    ['null', null],
  ])('an estimate that is %s is refused and nothing is held', async (_rule, estimated_tokens) => {
    const org = await h.createOrg();
    expectInvalid(await h.api('POST', `/v1/orgs/${org}/ai/authorize`, authorizeBody({ estimated_tokens })), 'estimated_tokens');
    await expectNothingCharged(org);
  });

  it('an estimate of exactly 100,000,000 tokens is judged, not refused', async () => {
    const org = await h.createOrg();
    const response = await h.api('POST', `/v1/orgs/${org}/ai/authorize`, authorizeBody({ estimated_tokens: 100_000_000 }));
    expect(response.statusCode, response.body).toBe(200);
    expect(typeof response.json().allowed).toBe('boolean');
    const hold = response.json() as { allowed: boolean; hold_id?: string };
    if (hold.allowed) await h.api('POST', `/v1/orgs/${org}/ai/holds/${hold.hold_id}/release`);
  });

  it('several bad fields are all named, and nothing is held', async () => {
    const org = await h.createOrg();
    const response = await h.api('POST', `/v1/orgs/${org}/ai/authorize`, { feature: 'telepathy', action: '', estimated_tokens: -1.5, extra: 1 });
    expectInvalid(response, 'user_id', 'feature', 'action', 'estimated_tokens', 'extra');
    await expectNothingCharged(org);
  });

  it('an unknown hold in the release path is a 404, a malformed one a 422', async () => {
    const org = await h.createOrg();
    expectProblem(await h.api('POST', `/v1/orgs/${org}/ai/holds/hold_nope/release`), 404, 'HOLD_NOT_FOUND');
    expectInvalid(await h.api('POST', `/v1/orgs/${org}/ai/holds/${encodeURIComponent('a\tb')}/release`), 'hold_id');
    expectProblem(await h.api('POST', '/v1/orgs/no-such-org/ai/holds/hold_nope/release'), 404, 'ORG_NOT_FOUND');
    await expectNothingCharged(org);
  });
});

describe('POST /v1/orgs/{org}/grants', () => {
  it.each([
    ['fractional credits', { credits: 1.5 }, 'credits'],
    ['credits as a string', { credits: '50' }, 'credits'],
    ['null credits', { credits: null }, 'credits'],
    ['credits above 10,000,000', { credits: 10_000_001 }, 'credits'],
    ['credits below -10,000,000', { source: 'adjustment', credits: -10_000_001 }, 'credits'],
    ['a zero promotional grant', { credits: 0 }, 'credits'],
    ['a negative promotional grant', { credits: -5 }, 'credits'],
    ['an unknown source', { source: 'gift' }, 'source'],
    ['the plan as a source', { source: 'plan' }, 'source'],
    ['an empty reason', { reason: '' }, 'reason'],
    ['a reason over 500 characters', { reason: 'r'.repeat(501) }, 'reason'],
    ['a malformed expiry', { expires_at: 'next week' }, 'expires_at'],
    ['an expiry in the past', { expires_at: '2020-01-01T00:00:00Z' }, 'expires_at'],
  ])('%s is refused and nothing is granted', async (_rule, change, field) => {
    const org = await h.createOrg();
    const before = await snapshot(org);
    expectInvalid(await h.api('POST', `/v1/orgs/${org}/grants`, grantBody(change)), field);
    expect(await snapshot(org)).toEqual(before);
    await expectNothingCharged(org);
  });

  it('several bad fields are all named, and nothing is granted', async () => {
    const org = await h.createOrg();
    const response = await h.api('POST', `/v1/orgs/${org}/grants`, { source: 'gift', credits: 1.5, expires_at: 'soon', bonus: true });
    expectInvalid(response, 'source', 'credits', 'expires_at', 'reason', 'bonus');
    await expectNothingCharged(org);
  });

  it('an adjustment that would take a bucket below zero is refused and changes nothing', async () => {
    const org = await h.createOrg();
    const before = await snapshot(org);
    expectProblem(await h.api('POST', `/v1/orgs/${org}/grants`, grantBody({ source: 'adjustment', credits: -(STARTER_CREDITS + 1) })), 422, 'INSUFFICIENT_CREDITS');
    expect(await snapshot(org)).toEqual(before);
  });
});

describe('POST /v1/orgs', () => {
  it('several bad fields, nested ones too, are all named and no org is created', async () => {
    const orgs = await count('orgs');
    const users = await count('users');
    const response = await h.api('POST', '/v1/orgs', {
      id: 'bad id!',
      name: '',
      plan: 7,
      billing_address: { country: 'usa', postal_code: '', planet: 'Mars' },
      vat_id: '!',
      admin: { email: 'not-an-email', name: '', password: 'short', role: 'owner' },
      color: 'red',
    });
    expectInvalid(
      response,
      'id',
      'name',
      'plan',
      'billing_address.country',
      'billing_address.postal_code',
      'billing_address.planet',
      'vat_id',
      'admin.email',
      'admin.name',
      'admin.password',
      'admin.role',
      'color',
    );
    expect(await count('orgs')).toBe(orgs);
    expect(await count('users')).toBe(users);
  });

  it('an empty object names every required field', async () => {
    expectInvalid(await h.api('POST', '/v1/orgs', {}), 'name', 'plan', 'billing_address', 'admin');
  });

  it('nested objects of the wrong type are named', async () => {
    expectInvalid(await h.api('POST', '/v1/orgs', newOrgBody({ billing_address: 'US', admin: ['admin@x.test'] })), 'billing_address', 'admin');
    expectInvalid(await h.api('POST', '/v1/orgs', newOrgBody({ billing_address: {}, admin: {} })), 'billing_address.country', 'admin.email', 'admin.name');
  });

  it('an unknown plan is refused, naming plan, and no org is created', async () => {
    const body = newOrgBody({ plan: 'platinum' });
    expectInvalid(await h.api('POST', '/v1/orgs', body), 'plan');
    expectProblem(await h.api('GET', `/v1/orgs/${body.id}`), 404, 'ORG_NOT_FOUND');
  });

  it('unicode and emoji in the org, address and admin names are kept as sent', async () => {
    const body = newOrgBody({
      name: '🦄 Ünïcødé 株式会社 — Zürich',
      billing_address: { country: 'CH', city: 'Zürich 🏔', line1: 'Bahnhofstraße 1' },
      admin: { email: `zoe-${orgSequence}@validation.test`, name: '👩‍💻 Zoë Ångström', password: 'zoe-password' },
    });
    const response = await h.api('POST', '/v1/orgs', body);
    expect(response.statusCode, response.body).toBe(201);
    expect(await getJson(`/v1/orgs/${body.id}`)).toMatchObject({ name: body.name, billing_address: body.billing_address });
    const members = (await getJson(`/v1/orgs/${body.id}/members`)).items;
    expect(members).toEqual([expect.objectContaining({ name: '👩‍💻 Zoë Ångström' })]);
  });
});

describe('POST /v1/orgs/{org}/members', () => {
  it('several bad fields are all named and no member is added', async () => {
    const org = await h.createOrg();
    const before = await snapshot(org);
    const response = await h.api('POST', `/v1/orgs/${org}/members`, { email: 'x', name: '', role: 'owner', password: 'short', team: 'a' });
    expectInvalid(response, 'email', 'name', 'role', 'password', 'team');
    expectInvalid(await h.api('POST', `/v1/orgs/${org}/members`, {}), 'email', 'name', 'role');
    expectInvalid(await h.api('POST', `/v1/orgs/${org}/members`, memberBody({ role: null, name: 5, email: ['a@b.test'] })), 'role', 'name', 'email');
    expect(await snapshot(org)).toEqual(before);
  });

  it('a member name with emoji is kept as sent', async () => {
    const org = await h.createOrg();
    const response = await h.api('POST', `/v1/orgs/${org}/members`, memberBody({ name: '🧑‍🔬 Søren Kierkegaard' }));
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json()).toMatchObject({ name: '🧑‍🔬 Søren Kierkegaard', role: 'member' });
  });
});

describe('PUT settings', () => {
  it('ai-features: an unknown module is refused, named, and no module changes', async () => {
    const org = await h.createOrg();
    const before = await snapshot(org);
    expectInvalid(await h.api('PUT', `/v1/orgs/${org}/settings/ai-features`, { modules: { telepathy: true } }), 'modules.telepathy');
    expectInvalid(await h.api('PUT', `/v1/orgs/${org}/settings/ai-features`, { modules: { telepathy: false, reports: false } }), 'modules.telepathy');
    expect(await snapshot(org)).toEqual(before);
  });

  it('ai-features: wrong types are refused and named', async () => {
    const org = await h.createOrg();
    const before = await snapshot(org);
    expectInvalid(await h.api('PUT', `/v1/orgs/${org}/settings/ai-features`, { modules: { assistant: 'yes', reports: 0, documents: null } }), 'modules.assistant', 'modules.reports', 'modules.documents');
    expectInvalid(await h.api('PUT', `/v1/orgs/${org}/settings/ai-features`, { modules: ['assistant'] }), 'modules');
    expectInvalid(await h.api('PUT', `/v1/orgs/${org}/settings/ai-features`, { modules: 'assistant' }), 'modules');
    expectInvalid(await h.api('PUT', `/v1/orgs/${org}/settings/ai-features`, {}), 'modules');
    expectInvalid(await h.api('PUT', `/v1/orgs/${org}/settings/ai-features`, { modules: {}, assistant: true }), 'assistant');
    expect(await snapshot(org)).toEqual(before);
  });

  it.each([
    ['a negative limit', { monthly_limit_credits: -1 }, ['monthly_limit_credits']],
    ['a fractional limit', { monthly_limit_credits: 1.5 }, ['monthly_limit_credits']],
    ['a limit as a string', { monthly_limit_credits: '100' }, ['monthly_limit_credits']],
    ['a limit above 100,000,000', { monthly_limit_credits: 100_000_001 }, ['monthly_limit_credits']],
    ['enabled as a string', { enabled: 'yes' }, ['enabled']],
    ['enabled as null', { enabled: null }, ['enabled']],
    ['both wrong and an extra field', { enabled: 1, monthly_limit_credits: -0.5, cap: 3 }, ['enabled', 'monthly_limit_credits', 'cap']],
    ['an empty body', {}, ['body']],
  ])('on-demand: %s is refused, named, and nothing changes', async (_rule, body, fields) => {
    const org = await h.createOrg();
    const before = await snapshot(org);
    expectInvalid(await h.api('PUT', `/v1/orgs/${org}/settings/on-demand`, body), ...fields);
    expect(await snapshot(org)).toEqual(before);
  });

  it.each([
    ['a negative threshold', { low_balance_threshold: -1 }, ['low_balance_threshold']],
    ['a fractional threshold', { low_balance_threshold: 1.5 }, ['low_balance_threshold']],
    ['a threshold as a string', { low_balance_threshold: '10' }, ['low_balance_threshold']],
    ['emails that are not a list', { emails: 'ops@example.test' }, ['emails']],
    ['a malformed e-mail', { emails: ['ops@example.test', 'not-an-email'] }, ['emails.1']],
    ['more than 20 e-mails', { emails: Array.from({ length: 21 }, (_, i) => `ops${i}@example.test`) }, ['emails']],
    ['everything wrong at once', { low_balance_threshold: -0.5, emails: [42], extra: true }, ['low_balance_threshold', 'emails.0', 'extra']],
    ['an empty body', {}, ['body']],
  ])('notifications: %s is refused, named, and nothing changes', async (_rule, body, fields) => {
    const org = await h.createOrg();
    const before = await snapshot(org);
    expectInvalid(await h.api('PUT', `/v1/orgs/${org}/settings/notifications`, body), ...fields);
    expect(await snapshot(org)).toEqual(before);
  });
});

describe('GET /v1/orgs/{org}/usage query', () => {
  let org: string;
  beforeAll(async () => {
    org = await h.createOrg();
  });

  it.each(['0', '501', 'abc', '1.5', '-1', '1e3', ''])('limit=%s is refused, naming limit', async (limit) => {
    expectInvalid(await h.api('GET', `/v1/orgs/${org}/usage?limit=${limit}`), 'limit');
  });

  it.each(['1', '500'])('limit=%s is accepted', async (limit) => {
    expect((await h.api('GET', `/v1/orgs/${org}/usage?limit=${limit}`)).statusCode).toBe(200);
  });

  it.each(['yesterday', '2026-13-01T00:00:00Z', '2026-02-30T00:00:00Z', '2026-01-31', '1e400', '2026-01-31T10:00:00'])('from/to %j is refused, naming the field', async (date) => {
    const q = encodeURIComponent(date);
    expectInvalid(await h.api('GET', `/v1/orgs/${org}/usage?from=${q}`), 'from');
    expectInvalid(await h.api('GET', `/v1/orgs/${org}/usage?to=${q}`), 'to');
    expectInvalid(await h.api('GET', `/v1/orgs/${org}/usage.csv?from=${q}`), 'from');
  });

  it('to before from is refused, naming to', async () => {
    expectInvalid(await h.api('GET', `/v1/orgs/${org}/usage?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z`), 'to');
  });

  it.each([
    ['garbage', '!!!'],
    ['too long', 'a'.repeat(201)],
    ['base64 of something that is not JSON', Buffer.from('not json').toString('base64url')],
    ['base64 of the wrong shape', Buffer.from('[1,2]').toString('base64url')],
    ['base64 of an object', Buffer.from('{"a":1}').toString('base64url')],
  ])('a cursor that is %s is refused, naming cursor', async (_rule, cursor) => {
    expectInvalid(await h.api('GET', `/v1/orgs/${org}/usage?cursor=${encodeURIComponent(cursor)}`), 'cursor');
  });

  it('several bad parameters are all named', async () => {
    const response = await h.api('GET', `/v1/orgs/${org}/usage?limit=abc&from=nope&to=2026-13-01T00:00:00Z&user_id=${encodeURIComponent('a\tb')}&sort=asc`);
    expectInvalid(response, 'limit', 'from', 'to', 'user_id', 'sort');
  });

  it('repeated parameters are refused, not guessed', async () => {
    expectInvalid(await h.api('GET', `/v1/orgs/${org}/usage?from=2026-01-01T00:00:00Z&from=2026-01-02T00:00:00Z`), 'from');
  });

  it('an unknown org is a 404 ORG_NOT_FOUND, even with a bad query', async () => {
    expectProblem(await h.api('GET', '/v1/orgs/no-such-org/usage?limit=abc'), 404, 'ORG_NOT_FOUND');
    expectProblem(await h.api('GET', '/v1/orgs/no-such-org/balance'), 404, 'ORG_NOT_FOUND');
  });
});

describe('POST /v1/test-clock/advance', () => {
  async function clockNow() {
    return (await getJson('/v1/test-clock')).now;
  }

  it('both to and seconds are refused, naming both, and the clock does not move', async () => {
    const now = await clockNow();
    const to = new Date(h.clock.now().getTime() + 60_000).toISOString();
    expectInvalid(await h.api('POST', '/v1/test-clock/advance', { to, seconds: 60 }), 'to', 'seconds');
    expect(await clockNow()).toBe(now);
  });

  it('neither to nor seconds is refused, naming both, and the clock does not move', async () => {
    const now = await clockNow();
    expectInvalid(await h.api('POST', '/v1/test-clock/advance', {}), 'to', 'seconds');
    expect(await clockNow()).toBe(now);
  });

  it('going back in time is refused, naming to, and the clock does not move', async () => {
    const now = await clockNow();
    const earlier = new Date(h.clock.now().getTime() - 1_000).toISOString();
    expectInvalid(await h.api('POST', '/v1/test-clock/advance', { to: earlier }), 'to');
    expectInvalid(await h.api('POST', '/v1/test-clock/advance', { to: '2020-01-01T00:00:00Z' }), 'to');
    expect(await clockNow()).toBe(now);
  });

  it.each([
    ['negative seconds', { seconds: -1 }, ['seconds']],
    ['fractional seconds', { seconds: 1.5 }, ['seconds']],
    ['seconds as a string', { seconds: '60' }, ['seconds']],
    ['more than ten years of seconds', { seconds: 10 * 366 * 86_400 + 1 }, ['seconds']],
    ['a malformed to', { to: 'tomorrow' }, ['to']],
    ['a to more than ten years ahead', { to: '2046-01-31T10:00:00Z' }, ['to']],
    ['an extra field', { seconds: 1, days: 1 }, ['days']],
  ])('%s is refused and the clock does not move', async (_rule, body, fields) => {
    const now = await clockNow();
    expectInvalid(await h.api('POST', '/v1/test-clock/advance', body), ...fields);
    expect(await clockNow()).toBe(now);
  });
});

describe('regressions found by this suite', () => {
  it('a leap second or an impossible date is refused naming the field, never a 500', async () => {
    const org = await h.createOrg();
    const before = await snapshot(org);
    for (const bad of ['2026-06-30T23:59:60Z', '2026-02-31T00:00:00Z', '0000-01-01T00:00:00Z']) {
      expectInvalid(await h.api('POST', `/v1/orgs/${org}/ai/usage`, usageBody({ occurred_at: bad })), 'occurred_at');
      expectInvalid(await h.api('POST', `/v1/orgs/${org}/grants`, grantBody({ expires_at: bad })), 'expires_at');
      expectInvalid(await h.api('GET', `/v1/orgs/${org}/usage?from=${encodeURIComponent(bad)}`), 'from');
      expectInvalid(await h.api('GET', `/v1/orgs/${org}/usage.csv?to=${encodeURIComponent(bad)}`), 'to');
      expectInvalid(await h.api('POST', '/v1/test-clock/advance', { to: bad }), 'to');
    }
    expect(await snapshot(org)).toEqual(before);
    const backwards = await h.api('POST', '/v1/test-clock/advance', { to: '2020-01-01T00:00:00Z' });
    expectInvalid(backwards, 'to');
  });

  it('every RFC 3339 spelling is taken (offsets of ±00:MM, lowercase t and z); the documented range [2000, 2200) is kept', async () => {
    const org = await h.createOrg();
    const usedAt = (occurredAt: string) => h.api('POST', `/v1/orgs/${org}/ai/usage`, usageBody({ occurred_at: occurredAt }));
    // 00:10 at +00:30 is 23:40 the day before in UTC; the offset's minutes must count (they were lost when the hours were 00).
    for (const [sent, utc] of [
      ['2026-01-20T00:10:00+00:30', '2026-01-19T23:40:00.000Z'],
      ['2026-01-20T00:10:00-00:30', '2026-01-20T00:40:00.000Z'],
      ['2026-01-20T01:10:00+00:30', '2026-01-20T00:40:00.000Z'],
      ['2026-01-20t00:10:00z', '2026-01-20T00:10:00.000Z'],
    ] as const) {
      const answer = await usedAt(sent);
      expect(answer.statusCode, `${sent}: ${answer.body}`).toBe(201);
      const row = await h.db.selectFrom('usage_records').select('occurred_at').where('usage_id', '=', (answer.json() as { id: string }).id).executeTakeFirstOrThrow();
      expect(row.occurred_at.toISOString(), sent).toBe(utc);
    }
    for (const outside of ['1999-12-31T23:59:59Z', '2200-01-01T00:00:00Z']) expectInvalid(await usedAt(outside), 'occurred_at');
    expectInvalid(await h.api('GET', `/v1/orgs/${org}/usage?from=${encodeURIComponent('2026-01-20T00:10:00+00:30')}&to=x`), 'to');
    expect((await h.api('GET', `/v1/orgs/${org}/usage?from=${encodeURIComponent('2026-01-20T00:10:00+00:30')}`)).statusCode).toBe(200);
  });

  it('a NUL character in free text is refused naming the field', async () => {
    const org = await h.createOrg();
    const before = await snapshot(org);
    expectInvalid(await h.api('POST', `/v1/orgs/${org}/ai/usage`, usageBody({ user_name: 'a\u0000b' })), 'user_name');
    expectInvalid(await h.api('POST', `/v1/orgs/${org}/grants`, grantBody({ reason: 'a\u0000b' })), 'reason');
    expectInvalid(await h.api('POST', `/v1/orgs/${org}/members`, memberBody({ name: 'a\u0000b' })), 'name');
    expectInvalid(
      await h.api('POST', '/v1/orgs', newOrgBody({ name: 'a\u0000', billing_address: { country: 'US', region: '\u0000' }, admin: { email: 'nul@validation.test', name: '\u0000' } })),
      'name',
      'billing_address.region',
      'admin.name',
    );
    expect(await snapshot(org)).toEqual(before);
    expectProblem(await h.api('GET', '/v1/orgs/%00/balance'), 404, 'ORG_NOT_FOUND');
    expectProblem(await h.api('POST', '/v1/orgs/%00/ai/usage', usageBody()), 404, 'ORG_NOT_FOUND');
  });

  it('every bad field is named, including the ones business rules check', async () => {
    const org = await h.createOrg();
    expectInvalid(await h.api('PUT', `/v1/orgs/${org}/settings/ai-features`, { modules: { telepathy: true, assistant: 'yes' } }), 'modules.telepathy', 'modules.assistant');
    expectInvalid(await h.api('POST', '/v1/orgs', newOrgBody({ name: '', plan: 'platinum', billing_address: { country: 'usa' } })), 'name', 'plan', 'billing_address.country');
  });

  it('router errors and non-JSON bodies answer problem+json', async () => {
    const org = await h.createOrg();
    expectProblem(await h.api('GET', '/v1/orgs/%E0%A4%A/balance'), 400, 'BAD_REQUEST');
    expectProblem(await h.api('GET', `/v1/orgs/${'x'.repeat(150)}/balance`), 414, 'URI_TOO_LONG');
    const text = await h.app.inject({ method: 'POST', url: `/v1/orgs/${org}/ai/usage`, headers: { ...AUTH, 'content-type': 'text/plain' }, payload: 'tokens=5' });
    expectProblem(text, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('an unknown org on a platform route is 404 even when the body is bad too', async () => {
    expectProblem(await h.api('POST', '/v1/orgs/no-such-org/grants', { credits: 'many' }), 404, 'ORG_NOT_FOUND');
  });
});

describe('regressions found by the fuzz suite', () => {
  it('an unknown field named like an Object.prototype member is refused as a field, not a 500', async () => {
    const org = await h.createOrg();
    const response = await h.api('PUT', `/v1/orgs/${org}/settings/on-demand`, { monthly_limit_credits: 0, constructor: '', toString: 1 });
    expectInvalid(response, 'constructor', 'toString');
  });

  it('cursors with a time PostgreSQL cannot store or a fractional number are refused naming cursor', async () => {
    const org = await h.createOrg();
    const encode = (key: unknown[]) => Buffer.from(JSON.stringify(key)).toString('base64url');
    expectInvalid(await h.api('GET', `/v1/orgs/${org}/billing-history?cursor=${encode(['-100000-01-01T00:00:00.000Z', 'x'])}`), 'cursor');
    expectInvalid(await h.api('GET', `/v1/orgs/${org}/invoices?cursor=${encode(['2026-01-31T10:00:00.000Z', -1.5])}`), 'cursor');
  });

  it('a forecast further out than a century is null, not a 500', async () => {
    const org = await h.createOrg();
    await h.api('POST', `/v1/orgs/${org}/grants`, { source: 'promotional', credits: 10_000_000, reason: 'a lot' });
    await h.api('POST', `/v1/orgs/${org}/ai/usage`, { idempotency_key: 'one', user_id: 'u', feature: 'assistant', action: 'chat', tokens: 1 });
    const summary = await h.api('GET', `/v1/orgs/${org}/usage/summary`);
    expect(summary.statusCode).toBe(200);
    expect(summary.json().forecast.prepaid_credits_last_until).toBeNull();
  });
});
