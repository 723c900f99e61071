import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness.js';
import { balance, leavePlanCredits, setOnDemand } from './support/metering.js';

/**
 * POST /v1/usage/batch (issue 14): each event answered on its own, exactly once, in array order per
 * org, with what a single record would answer; a bad envelope applies nothing.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
afterEach(() => h.expectCleanAudit());

let sequence = 0;
const key = () => `batch-${(sequence += 1)}`;
const event = (org: string, fields: Record<string, unknown> = {}) => ({ org_id: org, idempotency_key: key(), user_id: 'u1', feature: 'assistant', action: 'chat', tokens: 1_000, ...fields });

interface Result {
  index: number;
  status: number;
  code?: string;
  errors?: Record<string, string[]>;
  credits?: number;
  charged?: number;
  uncollected?: number;
  id?: string;
}

async function batch(events: unknown[]): Promise<{ results: Result[]; text: string }> {
  const response = await h.api('POST', '/v1/usage/batch', { events });
  expect(response.statusCode, response.body).toBe(200);
  const body = response.json() as { results: Result[] };
  expect(body.results.map((result) => result.index)).toEqual(events.map((_, index) => index));
  return { results: body.results, text: response.body };
}

async function usageRows(org: string): Promise<number> {
  const rows = await h.db.selectFrom('usage_records').select('usage_id').where('org_id', '=', org).execute();
  return rows.length;
}

describe('a mixed batch', () => {
  it('answers each event on its own: new, replay, conflict, unknown org, bad fields, disabled module, past the cap', async () => {
    const [a, b] = [await h.createOrg(), await h.createOrg()];
    const earlier = event(a, { tokens: 2_000 });
    const single = await h.api('POST', `/v1/orgs/${a}/ai/usage`, (({ org_id: _org, ...body }) => body)(earlier));
    expect(single.statusCode).toBe(201);
    expect((await h.api('PUT', `/v1/orgs/${b}/settings/ai-features`, { modules: { reports: false } })).statusCode).toBe(200);
    await leavePlanCredits(h, b, 3);
    await setOnDemand(h, b, { enabled: true, monthly_limit_credits: 2 });
    const events = [
      event(a, { tokens: 3_500 }), // 0: new, 4 credits
      earlier, // 1: a replay of the single record
      { ...earlier, tokens: 9_999 }, // 2: same key, other body
      event('no-such-org'), // 3: unknown org
      event(a, { tokens: -1, feature: 'telepathy' }), // 4: two bad fields
      event('no-such-org', { tokens: -1 }), // 5: unknown org and a bad field: 404 first, as for a single record
      event(b, { feature: 'reports', tokens: 2_000 }), // 6: a disabled module: the usage happened, it is charged
      event(b, { tokens: 5_000 }), // 7: 1 plan credit left + 2 overage up to the cap, 2 uncollected
      'not an event', // 8
    ];
    const { results, text } = await batch(events);
    expect(results.map((result) => result.status)).toEqual([201, 200, 409, 404, 422, 404, 201, 201, 422]);
    expect(results[0]).toMatchObject({ credits: 4, charged: 4, uncollected: 0 });
    // The replay is the first answer byte for byte, after its index and status.
    expect(text).toContain(`{"index":1,"status":200,${single.body.slice(1)}`);
    expect(results[2]).toMatchObject({ code: 'IDEMPOTENCY_CONFLICT' });
    expect(results[3]).toMatchObject({ code: 'ORG_NOT_FOUND' });
    expect(results[4]).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(Object.keys(results[4]!.errors!).sort()).toEqual(['feature', 'tokens']);
    expect(results[5]).toMatchObject({ code: 'ORG_NOT_FOUND' });
    expect(results[6]).toMatchObject({ credits: 2, charged: 2, uncollected: 0 });
    expect(results[7]).toMatchObject({ credits: 5, charged: 3, uncollected: 2 });
    expect(results[8]).toMatchObject({ code: 'VALIDATION_FAILED', errors: { body: ['must be object'] } });
    expect(await usageRows(a)).toBe(2);
    expect(await usageRows(b)).toBe(2);
    expect((await balance(h, b)).overage).toMatchObject({ used: 2, remaining: 0 });
  });

  it('applies an org’s events in array order', async () => {
    const org = await h.createOrg();
    await leavePlanCredits(h, org, 5);
    const { results } = await batch([event(org, { tokens: 5_000 }), event(org, { tokens: 1_000 })]);
    expect(results.map((result) => [result.charged, result.uncollected])).toEqual([[5, 0], [0, 1]]);
    const other = await h.createOrg();
    await leavePlanCredits(h, other, 5);
    const reversed = await batch([event(other, { tokens: 1_000 }), event(other, { tokens: 5_000 })]);
    expect(reversed.results.map((result) => [result.charged, result.uncollected])).toEqual([[1, 0], [4, 1]]);
  });

  it('a crossing fires once, however many of the batch’s events cross it', async () => {
    const org = await h.createOrg({ plan: 'starter' }); // 2,000 credits, low below 200
    await leavePlanCredits(h, org, 205);
    await batch(Array.from({ length: 30 }, () => event(org, { tokens: 1_000 })));
    const fired = await h.db.selectFrom('events').select('type').where('org_id', '=', org).where('type', '=', 'balance.low').execute();
    expect(fired).toHaveLength(1);
    expect((await balance(h, org)).available).toBe(175);
  });
});

describe('exactly once', () => {
  it('a batch sent again whole charges nothing and answers the first answers', async () => {
    const org = await h.createOrg();
    const events = Array.from({ length: 50 }, () => event(org, { tokens: 1_500 }));
    const first = await batch(events);
    const after = (await balance(h, org)).available;
    const again = await batch(events);
    expect(again.results.every((result) => result.status === 200)).toBe(true);
    expect(again.results.map((result) => result.id)).toEqual(first.results.map((result) => result.id));
    expect((await balance(h, org)).available).toBe(after);
    expect(await usageRows(org)).toBe(50);
  });

  it('20 concurrent batches with overlapping keys charge each key once', async () => {
    const [a, b] = [await h.createOrg(), await h.createOrg()];
    const start = (await balance(h, a)).available ?? 0;
    const pool = Array.from({ length: 120 }, (_, index) => event(index % 2 === 0 ? a : b, { tokens: 1_000 }));
    const batches = Array.from({ length: 20 }, (_, round) => pool.slice((round * 5) % 80, ((round * 5) % 80) + 40));
    const answers = await Promise.all(batches.map((events) => h.api('POST', '/v1/usage/batch', { events })));
    expect(answers.map((answer) => answer.statusCode)).toEqual(batches.map(() => 200));
    const used = new Set(batches.flat().map((used) => used.idempotency_key));
    const created = answers.flatMap((answer) => (answer.json() as { results: Result[] }).results).filter((result) => result.status === 201);
    expect(created).toHaveLength(used.size);
    expect((await usageRows(a)) + (await usageRows(b))).toBe(used.size);
    const spent = (org: string) => balance(h, org).then((now) => start - (now.available ?? 0));
    expect((await spent(a)) + (await spent(b))).toBe(used.size);
  });

  it('a batch and single records racing on one org stay exact', async () => {
    const org = await h.createOrg({ plan: 'team' }); // 10,000 credits
    const events = Array.from({ length: 200 }, () => event(org, { tokens: 1_000 }));
    const singles = Array.from({ length: 100 }, () => event(org, { tokens: 2_000 }));
    const answers = await Promise.all([
      h.api('POST', '/v1/usage/batch', { events: events.slice(0, 100) }),
      ...singles.map(({ org_id: _org, ...body }) => h.api('POST', `/v1/orgs/${org}/ai/usage`, body)),
      h.api('POST', '/v1/usage/batch', { events: events.slice(100) }),
    ]);
    expect(answers.every((answer) => [200, 201].includes(answer.statusCode))).toBe(true);
    expect(await usageRows(org)).toBe(300);
    expect((await balance(h, org)).available).toBe(10_000 - 200 - 200);
  });

  it('the events of one request enter the same ledger cycles across orgs', async () => {
    const orgs = [await h.createOrg(), await h.createOrg(), await h.createOrg()];
    const before = h.deps.ledger.stats();
    await batch(Array.from({ length: 90 }, (_, index) => event(orgs[index % 3]!)));
    const after = h.deps.ledger.stats();
    expect(after.requests - before.requests).toBe(90);
    // 90 requests in far fewer cycles than requests, and one of them spanned all three orgs.
    expect(after.cycles - before.cycles).toBeLessThan(10);
    expect(after.largestCycleOrgs).toBeGreaterThanOrEqual(3);
  });
});

describe('the envelope', () => {
  it.each([
    ['not an array', { events: { org_id: 'x' } }, 422],
    ['no events', { events: [] }, 422],
    ['1,001 events', { events: Array.from({ length: 1_001 }, () => ({})) }, 422],
    ['no events field', {}, 422],
    ['an unknown field', { events: [{}], extra: 1 }, 422],
  ])('%s → problem+json naming the field, nothing applied', async (_label, body, status) => {
    const response = await h.api('POST', '/v1/usage/batch', body);
    expect(response.statusCode, response.body).toBe(status);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json().code).toBe('VALIDATION_FAILED');
    expect(Object.keys(response.json().errors as object).length).toBeGreaterThan(0);
  });

  it('a body over 2 MiB is 413 and nothing of it is applied', async () => {
    const org = await h.createOrg();
    // 1,000 events of 2.5 KB each: within the count, over the size (the extra field would be a 422 in a smaller body).
    const events = Array.from({ length: 1_000 }, () => event(org, { note: 'n'.repeat(2_500) }));
    const response = await h.api('POST', '/v1/usage/batch', { events });
    expect(response.statusCode).toBe(413);
    expect(response.json().code).toBe('PAYLOAD_TOO_LARGE');
    expect(await usageRows(org)).toBe(0);
  });

  it('1,000 events of the largest fields fit', async () => {
    const org = await h.createOrg();
    const events = Array.from({ length: 1_000 }, () => event(org, { user_name: 'x'.repeat(200), action: 'y'.repeat(200), idempotency_key: `${key()}-${'k'.repeat(180)}`, user_id: 'u'.repeat(200), hold_id: 'h'.repeat(100) }));
    const response = await h.api('POST', '/v1/usage/batch', { events });
    expect(response.statusCode, response.body.slice(0, 300)).toBe(200);
    // Every hold id is unknown to this org: each event is refused on its own, naming the field.
    const results = (response.json() as { results: Result[] }).results;
    expect(results.every((result) => result.status === 422 && Object.keys(result.errors ?? {}).join() === 'hold_id')).toBe(true);
    expect(await usageRows(org)).toBe(0);
  });

  it('only the platform key may send a batch', async () => {
    const response = await h.api('POST', '/v1/usage/batch', { events: [event(await h.createOrg())] }, {});
    expect(response.statusCode).toBe(401);
  });

  it('a full queue refuses the whole batch with 429 and Retry-After; nothing is applied', async () => {
    const small = await startHarness({ engineLimits: { maxQueuePerOrg: 5 } });
    try {
      const org = await small.createOrg();
      const response = await small.api('POST', '/v1/usage/batch', { events: Array.from({ length: 6 }, () => event(org)) });
      expect(response.statusCode).toBe(429);
      expect(response.json().code).toBe('OVERLOADED');
      expect(response.headers['retry-after']).toBe('1');
      const rows = await small.db.selectFrom('usage_records').select('usage_id').where('org_id', '=', org).execute();
      expect(rows).toHaveLength(0);
      expect((await small.api('POST', '/v1/usage/batch', { events: Array.from({ length: 5 }, () => event(org)) })).statusCode).toBe(200);
    } finally {
      await small.close();
    }
  });
});
