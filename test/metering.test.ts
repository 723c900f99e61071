import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness.js';
import { ROUNDING_EXAMPLES } from '../src/domain/rounding-examples.js';
import { advance, authorize, balance, grantPurchased, leavePlanCredits, record, setOnDemand } from './support/metering.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
afterEach(() => h.expectCleanAudit());

describe('credits charged per request', () => {
  it.each(ROUNDING_EXAMPLES)('%i tokens cost %i credits', async (tokens, credits) => {
    const org = await h.createOrg();
    const before = await balance(h, org);
    const usage = await record(h, org, { tokens });
    expect(usage).toMatchObject({ credits, charged: credits, uncollected: 0 });
    expect((await balance(h, org)).available).toBe((before.available ?? 0) - credits);
  });
});

describe('a new org', () => {
  it('gets its plan credits for a monthly period anchored on its start', async () => {
    const org = await h.createOrg({ plan: 'team' });
    const now = await balance(h, org);
    expect(now).toMatchObject({
      available: 10_000,
      plan: { granted: 10_000, remaining: 10_000 },
      purchased: { remaining: 0 },
      promotional: { remaining: 0 },
      held: 0,
      overage: { enabled: false, limit: 0, used: 0, remaining: null },
      low_balance_threshold: 1_000,
      low_balance: false,
      ai_stopped: null,
    });
    expect(now.period.start).toBe(h.clock.now().toISOString());
    expect(now.period.end).toBe(now.plan.expires_at);
  });
});

describe('why AI is stopped (balance.ai_stopped, as authorize answers)', () => {
  it('credits used up, then the on-demand cap reached, then running again; an ended subscription', async () => {
    const org = await h.createOrg();
    await leavePlanCredits(h, org, 0);
    expect((await balance(h, org)).ai_stopped).toBe('CREDITS_EXHAUSTED');
    expect(await authorize(h, org)).toMatchObject({ allowed: false, reason: 'CREDITS_EXHAUSTED' });
    await setOnDemand(h, org, { enabled: true, monthly_limit_credits: 100 });
    expect((await balance(h, org)).ai_stopped).toBeNull();
    await record(h, org, { tokens: 100_000 });
    expect((await balance(h, org)).ai_stopped).toBe('OVERAGE_LIMIT_REACHED');
    expect(await authorize(h, org)).toMatchObject({ allowed: false, reason: 'OVERAGE_LIMIT_REACHED' });
    await grantPurchased(h, org, 100);
    expect((await balance(h, org)).ai_stopped).toBeNull();

    const ended = await h.createOrg();
    expect((await h.api('POST', `/v1/orgs/${ended}/subscription/cancel`)).statusCode).toBe(202);
    await advance(h, new Date((await balance(h, ended)).period.end));
    expect((await balance(h, ended)).ai_stopped).toBe('SUBSCRIPTION_INACTIVE');
    expect(await authorize(h, ended)).toMatchObject({ allowed: false, reason: 'SUBSCRIPTION_INACTIVE' });
  });
});

describe('draw-down order', () => {
  it('takes expiring grants first (plan, then promotional), then purchased, then overage', async () => {
    const org = await h.createOrg();
    await leavePlanCredits(h, org, 5);
    await grantPurchased(h, org, 100);
    const promo = await h.api('POST', `/v1/orgs/${org}/grants`, {
      source: 'promotional',
      credits: 3,
      expires_at: new Date(h.clock.now().getTime() + 90 * 86_400_000).toISOString(),
      reason: 'launch promotion',
    });
    expect(promo.statusCode, promo.body).toBe(201);
    await setOnDemand(h, org, { enabled: true, monthly_limit_credits: 100 });

    expect((await record(h, org, { tokens: 4_000 })).sources).toEqual([{ source: 'plan', credits: 4 }]);
    // The plan grant expires at the period end, before the 90-day promotion: plan first.
    expect((await record(h, org, { tokens: 3_000 })).sources).toEqual([
      { source: 'plan', credits: 1 },
      { source: 'promotional', credits: 2 },
    ]);
    expect((await record(h, org, { tokens: 102_000 })).sources).toEqual([
      { source: 'promotional', credits: 1 },
      { source: 'purchased', credits: 100 },
      { source: 'overage', credits: 1 },
    ]);
    expect(await balance(h, org)).toMatchObject({ available: 99, overage: { used: 1, remaining: 99 } });
  });

  it('a promotional grant that expires before the period end is used before plan credits', async () => {
    const org = await h.createOrg();
    await leavePlanCredits(h, org, 10);
    await h.api('POST', `/v1/orgs/${org}/grants`, {
      source: 'promotional',
      credits: 5,
      expires_at: new Date(h.clock.now().getTime() + 86_400_000).toISOString(),
      reason: 'one-day promotion',
    });
    expect((await record(h, org, { tokens: 6_000 })).sources).toEqual([
      { source: 'promotional', credits: 5 },
      { source: 'plan', credits: 1 },
    ]);
  });

  it('an expired promotional grant is gone, with an expiry entry', async () => {
    const org = await h.createOrg();
    await h.api('POST', `/v1/orgs/${org}/grants`, {
      source: 'promotional',
      credits: 50,
      expires_at: new Date(h.clock.now().getTime() + 3_600_000).toISOString(),
      reason: 'one-hour promotion',
    });
    expect((await balance(h, org)).promotional.remaining).toBe(50);
    await advance(h, { seconds: 3_601 });
    expect((await balance(h, org)).promotional.remaining).toBe(0);
    const expiries = await h.db.selectFrom('ledger_entries').selectAll().where('org_id', '=', org).where('kind', '=', 'expiry').execute();
    expect(expiries.map((entry) => [entry.account, entry.credits, entry.reason])).toEqual([['promotional', -50, 'grant_expired']]);
  });
});

describe('period rollover', () => {
  it('expires unused plan credits, grants the new period and keeps purchased credits', async () => {
    const org = await h.createOrg();
    await grantPurchased(h, org, 500);
    await record(h, org, { tokens: 300_000 });
    const first = await balance(h, org);
    expect(first.plan.remaining).toBe(1_700);
    await advance(h, new Date(first.period.end));
    const second = await balance(h, org);
    expect(second).toMatchObject({ plan: { granted: 2_000, remaining: 2_000 }, purchased: { remaining: 500 }, available: 2_500 });
    expect(second.period.start).toBe(first.period.end);
    const expired = await h.db.selectFrom('ledger_entries').select(['credits', 'reason']).where('org_id', '=', org).where('kind', '=', 'expiry').execute();
    expect(expired).toEqual([{ credits: -1_700, reason: 'period_ended' }]);
  });

  it('runs each missed period once, in order, and keeps the anchor day (31 Jan → 28 Feb → 31 Mar)', async () => {
    const local = await startHarness({ start: new Date('2027-01-31T10:00:00Z') });
    try {
      const org = await local.createOrg();
      await advance(local, new Date('2027-04-15T00:00:00Z'));
      const now = await balance(local, org);
      expect(now.period).toEqual({ start: '2027-03-31T10:00:00.000Z', end: '2027-04-30T10:00:00.000Z' });
      const grants = await local.db.selectFrom('grants').select(['period_start', 'expires_at']).where('org_id', '=', org).where('bucket', '=', 'plan').orderBy('period_start').execute();
      expect(grants.map((grant) => grant.period_start?.toISOString())).toEqual([
        '2027-01-31T10:00:00.000Z',
        '2027-02-28T10:00:00.000Z',
        '2027-03-31T10:00:00.000Z',
      ]);
      await advance(local, { seconds: 60 });
      const again = await local.db.selectFrom('grants').select('grant_id').where('org_id', '=', org).where('bucket', '=', 'plan').execute();
      expect(again).toHaveLength(3);
      expect(await (await import('../src/billing/audit.js')).auditLedger(local.db)).toEqual([]);
    } finally {
      await local.close();
    }
  });

  it('resets the overage counter', async () => {
    const org = await h.createOrg();
    await leavePlanCredits(h, org, 0);
    await setOnDemand(h, org, { enabled: true, monthly_limit_credits: 10 });
    await record(h, org, { tokens: 10_000 });
    expect((await balance(h, org)).overage).toMatchObject({ used: 10, remaining: 0 });
    await advance(h, new Date((await balance(h, org)).period.end));
    expect((await balance(h, org)).overage).toMatchObject({ used: 0, remaining: 10 });
  });
});

describe('holds', () => {
  it('reserve the estimate, rounded like usage, and 1 credit without one', async () => {
    const org = await h.createOrg();
    const estimated = await authorize(h, org, { estimated_tokens: 2_500 });
    expect(estimated).toMatchObject({ allowed: true, held_credits: 3, available: 1_997 });
    const plain = await authorize(h, org);
    expect(plain).toMatchObject({ allowed: true, held_credits: 1, available: 1_996 });
    expect(new Date(plain.expires_at!).getTime() - h.clock.now().getTime()).toBe(600_000);
    expect((await balance(h, org)).held).toBe(4);
  });

  it('settle below the estimate: the rest goes back', async () => {
    const org = await h.createOrg();
    const hold = await authorize(h, org, { estimated_tokens: 10_000 });
    const usage = await record(h, org, { hold_id: hold.hold_id!, tokens: 2_000 });
    expect(usage).toMatchObject({ credits: 2, charged: 2, available: 1_998 });
    expect((await balance(h, org)).held).toBe(0);
  });

  it('settle above the estimate: the actual credits are charged', async () => {
    const org = await h.createOrg();
    const hold = await authorize(h, org, { estimated_tokens: 1_000 });
    const usage = await record(h, org, { hold_id: hold.hold_id!, tokens: 5_000 });
    expect(usage).toMatchObject({ credits: 5, charged: 5, uncollected: 0, available: 1_995 });
  });

  it('settle above the estimate with too little left: the rest is uncollected', async () => {
    const org = await h.createOrg();
    await leavePlanCredits(h, org, 3);
    const hold = await authorize(h, org, { estimated_tokens: 2_000 });
    expect(hold.allowed).toBe(true);
    const usage = await record(h, org, { hold_id: hold.hold_id!, tokens: 8_000 });
    expect(usage).toMatchObject({ credits: 8, charged: 3, uncollected: 5, available: 0 });
  });

  it('release gives the credits back, once', async () => {
    const org = await h.createOrg();
    const hold = await authorize(h, org, { estimated_tokens: 5_000 });
    const released = await h.api('POST', `/v1/orgs/${org}/ai/holds/${hold.hold_id}/release`);
    expect(released.json()).toMatchObject({ status: 'released', released_credits: 5, available: 2_000 });
    const again = await h.api('POST', `/v1/orgs/${org}/ai/holds/${hold.hold_id}/release`);
    expect(again.json()).toMatchObject({ status: 'released', released_credits: 0, available: 2_000 });
    const unknown = await h.api('POST', `/v1/orgs/${org}/ai/holds/hold_nope/release`);
    expect(unknown.statusCode).toBe(404);
  });

  it('expire after their TTL through the test clock', async () => {
    const org = await h.createOrg();
    const hold = await authorize(h, org, { estimated_tokens: 7_000 });
    expect((await balance(h, org)).held).toBe(7);
    await advance(h, { seconds: 599 });
    expect((await balance(h, org)).held).toBe(7);
    await advance(h, { seconds: 1 });
    expect((await balance(h, org)).held).toBe(0);
    const row = await h.db.selectFrom('holds').select('status').where('hold_id', '=', hold.hold_id!).executeTakeFirstOrThrow();
    expect(row.status).toBe('expired');
    // Usage that arrives after its hold expired is still recorded and charged.
    expect(await record(h, org, { hold_id: hold.hold_id!, tokens: 7_000 })).toMatchObject({ charged: 7 });
  });

  it('reserved credits are not taken by other requests', async () => {
    const org = await h.createOrg();
    await leavePlanCredits(h, org, 10);
    await authorize(h, org, { estimated_tokens: 8_000 });
    const usage = await record(h, org, { tokens: 5_000 });
    expect(usage).toMatchObject({ charged: 2, uncollected: 3 });
    expect(await authorize(h, org)).toMatchObject({ allowed: false, reason: 'CREDITS_EXHAUSTED', available: 0 });
  });
});

describe('on-demand usage', () => {
  it('off: a hard stop once available credits reach 0', async () => {
    const org = await h.createOrg();
    await leavePlanCredits(h, org, 2);
    expect((await authorize(h, org, { estimated_tokens: 3_000 })).reason).toBe('CREDITS_EXHAUSTED');
    const usage = await record(h, org, { tokens: 2_000 });
    expect(usage.available).toBe(0);
    expect(await authorize(h, org)).toEqual({ allowed: false, reason: 'CREDITS_EXHAUSTED', available: 0 });
    // Usage that already happened is recorded, never dropped: uncollected.
    expect(await record(h, org, { tokens: 1_500 })).toMatchObject({ credits: 2, charged: 0, uncollected: 2, sources: [] });
  });

  it('a monthly limit of 1,000 stops at exactly 1,000 overage credits', async () => {
    const org = await h.createOrg();
    await leavePlanCredits(h, org, 0);
    await setOnDemand(h, org, { enabled: true, monthly_limit_credits: 1_000 });
    expect(await balance(h, org)).toMatchObject({ available: 1_000, overage: { enabled: true, limit: 1_000, used: 0, remaining: 1_000 } });
    for (let i = 0; i < 9; i += 1) await record(h, org, { tokens: 111_000 });
    expect((await balance(h, org)).overage.used).toBe(999);
    const hold = await authorize(h, org);
    expect(hold).toMatchObject({ allowed: true, held_credits: 1, available: 0 });
    expect(await authorize(h, org)).toMatchObject({ allowed: false, reason: 'OVERAGE_LIMIT_REACHED' });
    const last = await record(h, org, { hold_id: hold.hold_id!, tokens: 5_000 });
    expect(last).toMatchObject({ credits: 5, charged: 1, uncollected: 4, sources: [{ source: 'overage', credits: 1 }] });
    expect((await balance(h, org)).overage).toMatchObject({ used: 1_000, remaining: 0 });
  });

  it('a limit of 0 means no cap', async () => {
    const org = await h.createOrg();
    await leavePlanCredits(h, org, 0);
    await setOnDemand(h, org, { enabled: true, monthly_limit_credits: 0 });
    expect(await authorize(h, org, { estimated_tokens: 50_000_000 })).toMatchObject({ allowed: true, held_credits: 50_000, available: null });
    const usage = await record(h, org, { tokens: 100_000_000 });
    expect(usage).toMatchObject({ charged: 100_000, uncollected: 0, sources: [{ source: 'overage', credits: 100_000 }], available: null });
    expect((await balance(h, org)).overage).toEqual({ enabled: true, limit: 0, used: 100_000, remaining: null });
  });

  it('turned off mid-period: back to a hard stop, the overage used so far stays billed', async () => {
    const org = await h.createOrg();
    await leavePlanCredits(h, org, 0);
    await setOnDemand(h, org, { enabled: true, monthly_limit_credits: 500 });
    await record(h, org, { tokens: 20_000 });
    await setOnDemand(h, org, { enabled: false });
    expect(await authorize(h, org)).toMatchObject({ allowed: false, reason: 'CREDITS_EXHAUSTED' });
    expect(await record(h, org, { tokens: 1_000 })).toMatchObject({ charged: 0, uncollected: 1 });
    expect((await balance(h, org)).overage).toMatchObject({ enabled: false, used: 20 });
  });
});

describe('AI features', () => {
  it('a disabled module is refused at authorize, the others are not', async () => {
    const org = await h.createOrg();
    const response = await h.api('PUT', `/v1/orgs/${org}/settings/ai-features`, { modules: { reports: false } });
    expect(response.json()).toEqual({ modules: { assistant: true, reports: false, documents: true, inspections: true, analytics: true } });
    expect(await authorize(h, org, { feature: 'reports' })).toMatchObject({ allowed: false, reason: 'FEATURE_DISABLED' });
    expect(await authorize(h, org, { feature: 'documents' })).toMatchObject({ allowed: true });
    await h.api('PUT', `/v1/orgs/${org}/settings/ai-features`, { modules: { reports: true } });
    expect(await authorize(h, org, { feature: 'reports' })).toMatchObject({ allowed: true });
  });

  it('an unknown module is a bad request naming the field', async () => {
    const org = await h.createOrg();
    const response = await h.api('PUT', `/v1/orgs/${org}/settings/ai-features`, { modules: { telepathy: false } });
    expect(response.statusCode).toBe(422);
    expect(response.json().errors).toEqual({ 'modules.telepathy': ['is not a known field'] });
  });
});

describe('adjustments', () => {
  it('a negative adjustment never takes a bucket below zero', async () => {
    const org = await h.createOrg();
    const tooMuch = await h.api('POST', `/v1/orgs/${org}/grants`, { source: 'adjustment', credits: -2_001, reason: 'too much' });
    expect(tooMuch.statusCode).toBe(422);
    expect(tooMuch.json().code).toBe('INSUFFICIENT_CREDITS');
    const exact = await h.api('POST', `/v1/orgs/${org}/grants`, { source: 'adjustment', credits: -2_000, reason: 'all of it' });
    expect(exact.statusCode).toBe(201);
    expect((await balance(h, org)).available).toBe(0);
  });

  it('a promotional grant needs positive credits and a future expiry', async () => {
    const org = await h.createOrg();
    const zero = await h.api('POST', `/v1/orgs/${org}/grants`, { source: 'promotional', credits: 0, reason: 'nothing' });
    expect(zero.json().errors).toHaveProperty('credits');
    const past = await h.api('POST', `/v1/orgs/${org}/grants`, {
      source: 'promotional',
      credits: 5,
      reason: 'late',
      expires_at: new Date(h.clock.now().getTime() - 1_000).toISOString(),
    });
    expect(past.json().errors).toHaveProperty('expires_at');
  });
});

describe('idempotent recording', () => {
  it('a replay returns the first answer byte for byte and charges nothing', async () => {
    const org = await h.createOrg();
    const body = { idempotency_key: 'replay-1', user_id: 'u', feature: 'assistant', action: 'chat', tokens: 1_500 };
    const first = await h.api('POST', `/v1/orgs/${org}/ai/usage`, body);
    expect(first.statusCode).toBe(201);
    const second = await h.api('POST', `/v1/orgs/${org}/ai/usage`, body);
    expect(second.statusCode).toBe(200);
    expect(second.body).toBe(first.body);
    expect((await balance(h, org)).available).toBe(1_998);
  });

  it('the same key with a different body is a conflict', async () => {
    const org = await h.createOrg();
    const body = { idempotency_key: 'conflict-1', user_id: 'u', feature: 'assistant', action: 'chat', tokens: 1_500 };
    await h.api('POST', `/v1/orgs/${org}/ai/usage`, body);
    const conflict = await h.api('POST', `/v1/orgs/${org}/ai/usage`, { ...body, tokens: 1_501 });
    expect(conflict.statusCode).toBe(409);
    expect(conflict.headers['content-type']).toContain('application/problem+json');
    expect(conflict.json().code).toBe('IDEMPOTENCY_CONFLICT');
    expect((await balance(h, org)).available).toBe(1_998);
  });
});
