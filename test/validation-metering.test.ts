import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness.js';
import { expectInvalid, expectProblem } from './support/problems.js';
import { JSON_HEADERS, usageBody, authorizeBody, orgProbes } from './support/validation.js';

/**
 * "Every endpoint validates its body, query and path: wrong types, missing fields, negative or
 * fractional tokens, tokens above a sane limit (100,000,000), unknown feature, unknown org,
 * oversized bodies (limit 64 KiB), malformed JSON → 4xx problem+json naming every bad field.
 * Never a 500, never a partial write." (SPEC)
 *
 * This file: the metering calls, POST …/ai/usage and …/ai/authorize.
 */

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
afterEach(() => h.expectCleanAudit());
const { getJson, expectNothingCharged } = orgProbes(() => h);

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
