import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness.js';
import { expectInvalid, expectProblem } from './support/problems.js';
import { usageBody, grantBody, newOrgBody, memberBody, orgProbes } from './support/validation.js';

/**
 * "Every endpoint validates its body, query and path: wrong types, missing fields, negative or
 * fractional tokens, tokens above a sane limit (100,000,000), unknown feature, unknown org,
 * oversized bodies (limit 64 KiB), malformed JSON → 4xx problem+json naming every bad field.
 * Never a 500, never a partial write." (SPEC)
 *
 * This file: query strings (the usage list and its cursors), the test clock, timestamps, free text.
 */

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
afterEach(() => h.expectCleanAudit());
const { getJson, snapshot } = orgProbes(() => h);

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
