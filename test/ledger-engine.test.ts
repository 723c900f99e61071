import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLedgerEngine } from '../src/ledger/engine.js';
import type { LedgerRequest, RecordUsageResult } from '../src/ledger/requests.js';
import { InvariantViolation } from '../src/domain/assert.js';
import { recordUsage } from '../src/billing/record-usage.js';
import { runDueJobs } from '../src/jobs/run-due-jobs.js';
import { startHarness, type Harness } from './support/harness.js';
import { balance } from './support/metering.js';

/**
 * The ledger engine's own promises (issue 13), beyond the money rules the other suites check:
 * a request that breaks its cycle fails alone and the cycle is retried without it; an unknown org
 * is answered by the cycle; the work a cycle leaves for after its commit (period invoices, the
 * notifications of its events) is done then, and done by the jobs when the process died before.
 */
let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
afterEach(() => h.expectCleanAudit());

let keys = 0;
function recordRequest(orgId: string, overrides: Partial<Extract<LedgerRequest, { kind: 'record' }>> = {}): Extract<LedgerRequest, { kind: 'record' }> {
  keys += 1;
  return { kind: 'record', orgId, idempotencyKey: `engine-${keys}`, requestHash: `hash-${keys}`, userId: 'u', feature: 'assistant', action: 'chat', tokens: 1_000, credits: 1, ...overrides };
}

/** Submits a request that starts a cycle at once, then the rest together: they share the next cycle. */
async function inOneCycle(requests: readonly LedgerRequest[]): Promise<PromiseSettledResult<unknown>[]> {
  const first = h.deps.ledger.submit({ kind: 'maintain', orgId: requests[0]!.orgId });
  const rest = Promise.allSettled(requests.map((request) => h.deps.ledger.submit(request)));
  await first;
  return rest;
}

describe('a cycle that fails as a whole', () => {
  it('a request that breaks an invariant fails alone; the others in its cycle are applied once', async () => {
    const [a, b] = [await h.createOrg(), await h.createOrg()];
    const splitBefore = h.deps.ledger.stats().splitCycles;
    const good = Array.from({ length: 20 }, (_, index) => recordRequest(index % 2 === 0 ? a : b));
    // 0 credits: the kernel refuses it with an invariant violation, which fails the whole cycle.
    const poison = recordRequest(a, { credits: 0 });
    const outcomes = await inOneCycle([...good.slice(0, 10), poison, ...good.slice(10)]);
    expect(outcomes[10]).toMatchObject({ status: 'rejected', reason: expect.any(InvariantViolation) });
    const applied = outcomes.filter((_, index) => index !== 10);
    expect(applied.every((outcome) => outcome.status === 'fulfilled' && (outcome.value as RecordUsageResult).replayed === false)).toBe(true);
    expect(h.deps.ledger.stats().splitCycles).toBeGreaterThan(splitBefore);
    expect((await balance(h, a)).available).toBe(2_000 - 10);
    expect((await balance(h, b)).available).toBe(2_000 - 10);
  });

  it('a request PostgreSQL refuses (a NUL character: a data exception, SQLSTATE class 22) fails alone; the cycle is retried without it', async () => {
    const org = await h.createOrg();
    const good = Array.from({ length: 15 }, () => recordRequest(org));
    const poison = recordRequest(org, { userName: 'nul \u0000 inside' });
    const outcomes = await inOneCycle([...good.slice(0, 7), poison, ...good.slice(7)]);
    expect(outcomes[7]).toMatchObject({ status: 'rejected', reason: expect.objectContaining({ code: expect.stringMatching(/^22/) }) });
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(15);
    const rows = await h.db.selectFrom('usage_records').select('idempotency_key').where('org_id', '=', org).execute();
    expect(rows.map((row) => row.idempotency_key).sort()).toEqual(good.map((request) => request.idempotencyKey).sort());
  });
});

describe('unknown orgs', () => {
  it('the cycle answers 404 for an org that does not exist, and the requests of other orgs in it go on', async () => {
    const org = await h.createOrg();
    const body = { idempotency_key: 'k1', user_id: 'u', feature: 'assistant', action: 'chat', tokens: 10 };
    const [missing, present] = await Promise.all([h.api('POST', '/v1/orgs/no-such-org/ai/usage', body), h.api('POST', `/v1/orgs/${org}/ai/usage`, body)]);
    expect(missing.statusCode, missing.body).toBe(404);
    expect(missing.json()).toMatchObject({ code: 'ORG_NOT_FOUND' });
    expect(present.statusCode, present.body).toBe(201);
  });

  it('an unknown org is 404 even with a bad body; a known org with a bad body is 422 naming the field', async () => {
    const org = await h.createOrg();
    const bad = { idempotency_key: 'k', user_id: 'u', feature: 'assistant', action: 'chat', tokens: -1 };
    const missing = await h.api('POST', '/v1/orgs/no-such-org/ai/usage', bad);
    expect(missing.statusCode, missing.body).toBe(404);
    const present = await h.api('POST', `/v1/orgs/${org}/ai/usage`, bad);
    expect(present.statusCode, present.body).toBe(422);
    expect(Object.keys(present.json().errors as object)).toEqual(['tokens']);
  });
});

describe('work left for after the commit', () => {
  it('the period invoice of a rollover in a cycle is issued right after its commit', async () => {
    const org = await h.createOrg();
    const end = new Date((await balance(h, org)).period.end);
    h.clock.set(new Date(end.getTime() + 1_000));
    await recordUsage(h.deps, { orgId: org, idempotencyKey: 'after-rollover', userId: 'u', feature: 'assistant', action: 'chat', tokens: 10 });
    const closings = await h.db.selectFrom('period_closings').select(['invoiced_at']).where('org_id', '=', org).execute();
    expect(closings).toHaveLength(1);
    expect(closings[0]!.invoiced_at).not.toBeNull();
    const invoices = await h.db.selectFrom('invoices').select(['period_start']).where('org_id', '=', org).where('kind', '=', 'period').execute();
    expect(invoices.map((invoice) => invoice.period_start.toISOString())).toContain(end.toISOString());
  });

  it('when the process dies between the commit and its follow-ups, the jobs issue the invoice and the notifications', async () => {
    const org = await h.createOrg();
    // The same engine with no follow-ups: what a process that died right after its commit left.
    const dying = { ...h.deps, ledger: createLedgerEngine({ db: h.db, clock: h.clock, rules: h.deps.ledger.rules }) };
    const end = new Date((await balance(h, org)).period.end);
    h.clock.set(new Date(end.getTime() + 1_000));
    // 2,000 plan credits used up in one record: the balance crosses the low line and runs out.
    await recordUsage(dying, { orgId: org, idempotencyKey: 'crossing', userId: 'u', feature: 'assistant', action: 'chat', tokens: 2_000_000 });
    const pending = async () => ({
      closings: (await h.db.selectFrom('period_closings').select('org_id').where('org_id', '=', org).where('invoiced_at', 'is', null).execute()).length,
      events: (await h.db.selectFrom('events').select('type').where('org_id', '=', org).where('fan_out_pending', '=', true).execute()).map((event) => event.type).sort(),
      // (Only these two types: the period invoice's collection may add notices of its own.)
      notifications: (await h.db.selectFrom('notifications').select('type').where('org_id', '=', org).where('type', 'in', ['balance.low', 'credits.exhausted']).execute())
        .map((notification) => notification.type)
        .sort(),
    });
    expect(await pending()).toEqual({ closings: 1, events: ['balance.low', 'credits.exhausted'], notifications: [] });
    await runDueJobs(h.deps);
    expect(await pending()).toEqual({ closings: 0, events: [], notifications: ['balance.low', 'credits.exhausted'] });
    const invoices = await h.db.selectFrom('invoices').select(['period_start']).where('org_id', '=', org).where('kind', '=', 'period').execute();
    expect(invoices.map((invoice) => invoice.period_start.toISOString())).toContain(end.toISOString());
  });
});
