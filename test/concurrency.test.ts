import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, PLATFORM_KEY, type Harness } from './support/harness.js';
import { balance, engineMetrics, leavePlanCredits } from './support/metering.js';

/**
 * Many simultaneous requests over real HTTP against real PostgreSQL: the org's one lock must make
 * them add up exactly, whatever order they land in.
 */

function times<T>(count: number, make: (index: number) => Promise<T>): Promise<T[]> {
  return Promise.all(Array.from({ length: count }, (_, index) => make(index)));
}

/**
 * The same suite with group commit (requests of many orgs share a cycle) and without it
 * (LOUPE_GROUP_COMMIT=0: every request its own transaction, racing for the org lock); each mode
 * also checks from /metrics that it ran as it says.
 */
describe.each([
  { mode: 'with group commit', groupCommit: true },
  { mode: 'without group commit', groupCommit: false },
])('under concurrency, $mode', ({ groupCommit }) => {
  let h: Harness;
  let baseUrl: string;

  beforeAll(async () => {
    h = await startHarness({ groupCommit });
    baseUrl = await h.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => h.close());
  afterEach(() => h.expectCleanAudit());

  async function post(path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown>; text: string }> {
    const response = await fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${PLATFORM_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, json: JSON.parse(text) as Record<string, unknown>, text };
  }

  it('500 simultaneous authorizes of 1 credit against 300 available allow exactly 300', async () => {
    const org = await h.createOrg();
    await leavePlanCredits(h, org, 300);
    const answers = await times(500, () => post(`/v1/orgs/${org}/ai/authorize`, { user_id: 'u', feature: 'assistant', action: 'chat' }));
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    const allowed = answers.filter((answer) => answer.json.allowed === true);
    expect(allowed).toHaveLength(300);
    expect(answers.filter((answer) => answer.json.reason === 'CREDITS_EXHAUSTED')).toHaveLength(200);
    expect(new Set(allowed.map((answer) => answer.json.hold_id)).size).toBe(300);
    expect(await balance(h, org)).toMatchObject({ available: 0, held: 300, plan: { remaining: 300 } });
  });

  it('500 simultaneous records with distinct keys charge exactly what is available and keep the rest as uncollected', async () => {
    const org = await h.createOrg();
    await leavePlanCredits(h, org, 300);
    const answers = await times(500, (index) =>
      post(`/v1/orgs/${org}/ai/usage`, { idempotency_key: `k-${index}`, user_id: 'u', feature: 'assistant', action: 'chat', tokens: 1_500 }),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(500).fill(201));
    const charged = answers.reduce((sum, answer) => sum + (answer.json.charged as number), 0);
    const uncollected = answers.reduce((sum, answer) => sum + (answer.json.uncollected as number), 0);
    expect(charged).toBe(300);
    expect(uncollected).toBe(500 * 2 - 300);
    expect((await balance(h, org)).available).toBe(0);
    const rows = await h.db.selectFrom('usage_records').select((eb) => eb.fn.countAll<number>().as('count')).where('org_id', '=', org).executeTakeFirstOrThrow();
    expect(Number(rows.count)).toBe(500);
  });

  it('50 simultaneous replays of one key charge once and all get the same answer', async () => {
    const org = await h.createOrg();
    const body = { idempotency_key: 'one-key', user_id: 'u', feature: 'assistant', action: 'chat', tokens: 4_200 };
    const answers = await times(50, () => post(`/v1/orgs/${org}/ai/usage`, body));
    expect(answers.filter((answer) => answer.status === 201)).toHaveLength(1);
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(49);
    expect(new Set(answers.map((answer) => answer.text)).size).toBe(1);
    expect((await balance(h, org)).available).toBe(2_000 - 5);
  });

  it('authorize → record pairs from many clients settle every hold exactly once', async () => {
    const org = await h.createOrg();
    await leavePlanCredits(h, org, 1_000);
    // 200 holds of 3 credits (600) fit in 1,000: every authorize must be allowed.
    const results = await times(200, async (index) => {
      const hold = await post(`/v1/orgs/${org}/ai/authorize`, { user_id: 'u', feature: 'assistant', action: 'chat', estimated_tokens: 3_000 });
      expect(hold.json.allowed, hold.text).toBe(true);
      const usage = await post(`/v1/orgs/${org}/ai/usage`, {
        idempotency_key: `pair-${index}`,
        hold_id: hold.json.hold_id,
        user_id: 'u',
        feature: 'assistant',
        action: 'chat',
        tokens: 2_000 + (index % 3) * 1_000,
      });
      expect(usage.status, usage.text).toBe(201);
      return usage.json.charged as number;
    });
    // 2, 3 and 4 credits in turn: 67 × 2 + 67 × 3 + 66 × 4 = 599, all of them charged.
    expect(results.reduce((sum, value) => sum + value, 0)).toBe(599);
    expect(await balance(h, org)).toMatchObject({ held: 0, available: 1_000 - 599 });
  });

  it('simultaneous usage across many orgs stays within each org', async () => {
    const orgs = await times(10, () => h.createOrg());
    const answers = await times(200, (index) =>
      post(`/v1/orgs/${orgs[index % 10]}/ai/usage`, { idempotency_key: `m-${index}`, user_id: 'u', feature: 'reports', action: 'run', tokens: 1_000 }),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(200).fill(201));
    for (const org of orgs) expect((await balance(h, org)).available).toBe(2_000 - 20);
  });

  it(groupCommit ? 'group commit happened: cycles took many requests of many orgs' : 'every cycle took exactly one request', async () => {
    const orgs = await times(8, () => h.createOrg());
    const before = await engineMetrics(baseUrl);
    await times(160, (index) => post(`/v1/orgs/${orgs[index % 8]}/ai/usage`, { idempotency_key: `g-${index}`, user_id: 'u', feature: 'assistant', action: 'chat', tokens: 10 }));
    const after = await engineMetrics(baseUrl);
    const cycles = after.ledger_cycles_total! - before.ledger_cycles_total!;
    expect(after.ledger_cycle_requests_total! - before.ledger_cycle_requests_total!).toBe(160);
    if (groupCommit) {
      expect(cycles).toBeLessThan(160);
      expect(after.ledger_cycle_largest_orgs).toBeGreaterThan(1);
      expect(after.ledger_cycle_largest_requests).toBeGreaterThan(8);
    } else {
      expect(cycles).toBe(160);
      expect(after.ledger_cycle_largest_requests).toBe(1);
    }
  });
});

describe('bounded queues', () => {
  it('past the per-org queue bound a request gets 429 OVERLOADED with Retry-After at once; the rest are charged exactly', async () => {
    const tight = await startHarness({ engineLimits: { maxCycleRequests: 2, maxQueuePerOrg: 5 } });
    try {
      const url = await tight.app.listen({ port: 0, host: '127.0.0.1' });
      const org = await tight.createOrg();
      const answers = await times(60, async (index) => {
        const response = await fetch(`${url}/v1/orgs/${org}/ai/usage`, {
          method: 'POST',
          headers: { authorization: `Bearer ${PLATFORM_KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify({ idempotency_key: `q-${index}`, user_id: 'u', feature: 'assistant', action: 'chat', tokens: 1_000 }),
        });
        return { status: response.status, retryAfter: response.headers.get('retry-after'), body: (await response.json()) as { code?: string; charged?: number } };
      });
      const refused = answers.filter((answer) => answer.status === 429);
      const charged = answers.filter((answer) => answer.status === 201);
      expect(refused.length).toBeGreaterThan(0);
      // The queue starts empty, so the first five always get in: a server refusing everything fails here.
      expect(charged.length).toBeGreaterThanOrEqual(5);
      expect(refused.every((answer) => answer.retryAfter === '1' && answer.body.code === 'OVERLOADED')).toBe(true);
      expect(charged.length + refused.length).toBe(60);
      expect((await balance(tight, org)).available).toBe(2_000 - charged.length);
      const rows = await tight.db.selectFrom('usage_records').select('usage_id').where('org_id', '=', org).execute();
      expect(rows).toHaveLength(charged.length);
      await tight.expectCleanAudit();
    } finally {
      await tight.close();
    }
  });
});
