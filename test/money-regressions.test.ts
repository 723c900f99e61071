import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness.js';
import { advance, authorize, balance, grantPurchased, leavePlanCredits, record, setOnDemand } from './support/metering.js';
import { addCard, invoices, org, purchase } from './support/billing.js';
import type { PaymentProvider } from '../src/providers/payments.js';
import { runLedgerMaintenance } from '../src/jobs/ledger-maintenance.js';
import { runInvoiceCollection } from '../src/jobs/billing-jobs.js';
import type { OrgJobFailure } from '../src/billing/for-each-org.js';
import { drawDownOrder, type Grant } from '../src/domain/ledger.js';

/**
 * Money bugs a model-based test found (issue 12, points 16–19), each pinned by the rule it broke.
 */
const DAY_MS = 86_400_000;

/** Orgs whose card charges throw (not a decline: an unexpected error), to prove jobs isolate them. */
const explodingCharges = new Set<string>();
const explodeForSomeOrgs = (provider: PaymentProvider): PaymentProvider => ({
  ...provider,
  async charge(input) {
    if (explodingCharges.has(input.metadata.loupe_org_id ?? '')) throw new Error('charge exploded');
    return provider.charge(input);
  },
});

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ wrapProvider: explodeForSomeOrgs });
});
afterAll(() => h.close());
afterEach(() => h.expectCleanAudit());

const periodEnd = async (orgId: string) => new Date((await org(h, orgId)).subscription.current_period_end);
const periodInvoices = async (orgId: string) => (await invoices(h, orgId)).filter((invoice) => invoice.kind === 'period');

describe('16. a canceled term with something left to bill', () => {
  it('gets a final invoice for the closed period’s overage (500 credits → $5.00), and the org ends', async () => {
    const id = await h.createOrg({ plan: 'starter' });
    const bystander = await h.createOrg({ plan: 'starter' });
    await addCard(h, id);
    await setOnDemand(h, id, { enabled: true, monthly_limit_credits: 0 });
    expect((await record(h, id, { tokens: 2_500_000 })).sources).toEqual([
      { source: 'plan', credits: 2_000 },
      { source: 'overage', credits: 500 },
    ]);
    expect((await h.api('POST', `/v1/orgs/${id}/subscription/cancel`)).statusCode).toBe(202);
    const end = await periodEnd(id);

    await advance(h, new Date(end.getTime() + 1_000));

    expect((await org(h, id)).subscription.status).toBe('canceled');
    const [final, first] = await periodInvoices(id);
    expect(first?.lines.map((line) => line.kind)).toEqual(['subscription']);
    expect(final).toMatchObject({ status: 'paid', period_start: first?.period_start, period_end: first?.period_end, total_cents: 500 });
    expect(final?.lines).toEqual([expect.objectContaining({ kind: 'overage', quantity: 500, unit_price_cents: 1, amount_cents: 500 })]);
    // The org answers again, and so does everything else.
    expect(await authorize(h, id)).toMatchObject({ allowed: false, reason: 'SUBSCRIPTION_INACTIVE' });
    expect(await balance(h, id)).toMatchObject({ plan: { remaining: 0 }, overage: { used: 0 } });
    expect((await org(h, bystander)).subscription.current_period_start).toBe(end.toISOString());
    await advance(h, { seconds: 60 });
  });

  it('bills a proration left by an upgrade on the final invoice, without a base cost', async () => {
    const id = await h.createOrg({ plan: 'starter' });
    await addCard(h, id);
    const end = await periodEnd(id);
    await advance(h, new Date(end.getTime() - 10 * DAY_MS));
    expect((await h.api('POST', `/v1/orgs/${id}/subscription/change`, { plan: 'team' })).statusCode).toBe(202);
    expect((await h.api('POST', `/v1/orgs/${id}/subscription/cancel`)).statusCode).toBe(202);
    await advance(h, end);
    expect((await org(h, id)).subscription.status).toBe('canceled');
    const [final] = await periodInvoices(id);
    expect(final?.lines.map((line) => line.kind)).toEqual(['proration']);
    expect(final?.status).toBe('paid');
  });

  it('an org whose ledger maintenance fails is logged and retried later; the other orgs and jobs carry on', async () => {
    const poisoned = await h.createOrg({ plan: 'starter' });
    const healthy = await h.createOrg({ plan: 'starter' });
    await addCard(h, healthy);
    const end = await periodEnd(healthy);
    // A subscription on a plan the catalog no longer has: every transaction on this org throws.
    await h.db.updateTable('subscriptions').set({ plan_id: 'withdrawn' }).where('org_id', '=', poisoned).execute();

    await advance(h, new Date(end.getTime() + 1_000));

    expect((await org(h, healthy)).subscription.current_period_start).toBe(end.toISOString());
    expect((await periodInvoices(healthy)).map((invoice) => invoice.status)).toEqual(['paid', 'paid']);
    const failures: OrgJobFailure[] = [];
    await runLedgerMaintenance(h.deps, (failure) => failures.push(failure));
    expect(failures).toEqual([expect.objectContaining({ job: 'ledger maintenance', orgId: poisoned })]);
    expect(String(failures[0]?.error)).toContain('unknown plan withdrawn');

    await h.db.updateTable('subscriptions').set({ plan_id: 'starter' }).where('org_id', '=', poisoned).execute();
    await advance(h, { seconds: 1 });
    expect((await org(h, poisoned)).subscription.current_period_start).toBe(end.toISOString());
  });

  it('an invoice whose collection throws is logged and left open; the other orgs’ invoices are collected', async () => {
    const [first, second] = [await h.createOrg({ plan: 'starter' }), await h.createOrg({ plan: 'starter' })];
    explodingCharges.add(first!);
    try {
      // Adding the card collects at once: for the first org that throws, is logged, and the card is saved anyway.
      await addCard(h, first!);
      await addCard(h, second!);
      expect((await periodInvoices(second!)).map((invoice) => invoice.status)).toEqual(['paid']);
      const failures: OrgJobFailure[] = [];
      await runInvoiceCollection(h.deps, (failure) => failures.push(failure));
      expect(failures).toEqual([expect.objectContaining({ job: 'invoice collection', orgId: first })]);
      expect((await periodInvoices(first!)).map((invoice) => invoice.status)).toEqual(['open']);
      expect((await periodInvoices(second!)).map((invoice) => invoice.status)).toEqual(['paid']);
    } finally {
      explodingCharges.delete(first!);
    }
    await advance(h, { seconds: 1 });
    expect((await periodInvoices(first!)).map((invoice) => invoice.status)).toEqual(['paid']);
  });
});

describe('17. periods missed while nothing ran', () => {
  it('are all rolled over, each with its invoice, before usage is charged: plan credits first, not purchased', async () => {
    const id = await h.createOrg({ plan: 'starter' });
    await grantPurchased(h, id, 1_000);
    const start = new Date((await org(h, id)).subscription.current_period_start);
    // The clock moves with no job running (a server that was down): the usage is the first to notice.
    h.clock.set(new Date(h.clock.now().getTime() + 125 * DAY_MS));

    expect((await record(h, id, { tokens: 10_000 })).sources).toEqual([{ source: 'plan', credits: 10 }]);

    const current = await balance(h, id);
    expect(current).toMatchObject({ plan: { granted: 2_000, remaining: 1_990 }, purchased: { remaining: 1_000 } });
    expect(new Date(current.period.start).getTime()).toBeLessThanOrEqual(h.clock.now().getTime());
    expect(new Date(current.period.end).getTime()).toBeGreaterThan(h.clock.now().getTime());
    const issued = await periodInvoices(id);
    expect(issued).toHaveLength(5);
    expect(issued.map((invoice) => invoice.period_start).sort()[0]).toBe(start.toISOString());
    await advance(h, { seconds: 1 });
  });
});

describe('18. draw-down ties', () => {
  const grant = (id: string, creationOrder: number): Grant => ({
    id,
    bucket: 'promotional',
    grantedCredits: 10,
    remainingCredits: 10,
    expiresAt: null,
    createdAt: new Date('2026-03-01T00:00:00Z'),
    creationOrder,
    reason: 'promotional_grant',
    periodStart: null,
    note: null,
  });

  it('grants made at the same instant are drawn in creation order, whatever their ids', () => {
    expect(drawDownOrder([grant('grt_b', 2), grant('grt_z', 1), grant('grt_a', 3)]).map((candidate) => candidate.id)).toEqual(['grt_z', 'grt_b', 'grt_a']);
  });

  it('a promotional grant and a purchase at the same instant: the one made first is drawn first, through the API', async () => {
    for (const firstSource of ['promotional', 'purchased'] as const) {
      const id = await h.createOrg({ plan: 'starter' });
      await addCard(h, id);
      await leavePlanCredits(h, id, 0);
      const made: string[] = [];
      for (let pair = 0; pair < 4; pair += 1) {
        for (const source of firstSource === 'promotional' ? ['promotional', 'purchased'] : ['purchased', 'promotional']) {
          if (source === 'promotional') {
            expect((await h.api('POST', `/v1/orgs/${id}/grants`, { source: 'promotional', credits: 100, reason: 'tie' })).statusCode).toBe(201);
          } else {
            expect((await purchase(h, id, 100)).statusCode).toBe(201);
          }
          made.push(source);
        }
      }
      const drawn: string[] = [];
      for (const _ of made) drawn.push(...(await record(h, id, { tokens: 100_000 })).sources.map((part) => part.source));
      expect(drawn).toEqual(made);
    }
  });
});

describe('19. the low-balance line', () => {
  it('is 10% of a contract’s included credits on /balance, as for the alerts, and holds do not move it', async () => {
    const id = await h.createOrg({ plan: 'enterprise' });
    expect((await h.api('PUT', `/v1/orgs/${id}/contract`, { included_credits: 20_000 })).statusCode).toBe(200);
    await advance(h, await periodEnd(id));
    expect(await balance(h, id)).toMatchObject({ plan: { granted: 20_000 }, low_balance_threshold: 2_000, low_balance: false });
    expect((await h.api('GET', `/v1/orgs/${id}/settings/notifications`)).json()).toMatchObject({ low_balance_threshold: 2_000 });

    // A hold that takes prepaid − held below the line is not a low balance (nor an alert).
    const hold = await authorize(h, id, { estimated_tokens: 18_500_000 });
    expect(hold.allowed).toBe(true);
    expect(await balance(h, id)).toMatchObject({ held: 18_500, low_balance: false });
    const alerts = () => h.db.selectFrom('events').select('data').where('org_id', '=', id).where('type', '=', 'balance.low').execute();
    expect(await alerts()).toHaveLength(0);

    await record(h, id, { hold_id: hold.hold_id!, tokens: 18_001_000 });
    expect(await balance(h, id)).toMatchObject({ plan: { remaining: 1_999 }, held: 0, low_balance_threshold: 2_000, low_balance: true });
    expect((await alerts()).map((alert) => alert.data)).toEqual([{ remaining_credits: 1_999, threshold: 2_000 }]);
  });
});

describe('usage after the term ended (found by the model test)', () => {
  it('draws prepaid credits but no overage, which no invoice would ever bill; resubscribing brings it back', async () => {
    const id = await h.createOrg({ plan: 'starter' });
    await addCard(h, id);
    await setOnDemand(h, id, { enabled: true, monthly_limit_credits: 0 });
    expect((await h.api('POST', `/v1/orgs/${id}/subscription/cancel`)).statusCode).toBe(202);
    await advance(h, await periodEnd(id));
    expect((await h.api('POST', `/v1/orgs/${id}/grants`, { source: 'promotional', credits: 100, reason: 'goodwill' })).statusCode).toBe(201);

    // An action authorized before the end, reported after it: recorded, never dropped.
    expect(await record(h, id, { tokens: 3_000_000 })).toMatchObject({ credits: 3_000, charged: 100, uncollected: 2_900, sources: [{ source: 'promotional', credits: 100 }] });
    expect(await balance(h, id)).toMatchObject({ available: 0, overage: { enabled: false, used: 0 } });

    expect((await h.api('POST', `/v1/orgs/${id}/subscription/resume`)).statusCode).toBe(202);
    expect((await record(h, id, { tokens: 2_100_000 })).sources).toEqual([
      { source: 'plan', credits: 2_000 },
      { source: 'overage', credits: 100 },
    ]);
    await advance(h, { seconds: 1 });
  });
});

describe('decisions taken on a term that ended while nothing ran (found by the model test)', () => {
  const endedUnnoticed = async () => {
    const id = await h.createOrg({ plan: 'team' });
    await addCard(h, id);
    expect((await h.api('POST', `/v1/orgs/${id}/subscription/cancel`)).statusCode).toBe(202);
    // The term ends with no job and no request in between.
    h.clock.set(new Date((await periodEnd(id)).getTime() + DAY_MS));
    return id;
  };

  it('a purchase is refused (SUBSCRIPTION_INACTIVE): the card is not charged, no credits are added', async () => {
    const id = await endedUnnoticed();
    const response = await purchase(h, id, 500);
    expect(response.statusCode, response.body).toBe(409);
    expect(response.json().code).toBe('SUBSCRIPTION_INACTIVE');
    expect(await balance(h, id)).toMatchObject({ purchased: { remaining: 0 } });
    await advance(h, { seconds: 1 });
  });

  it('choosing a plan resubscribes on that plan, as it does once the end was noticed', async () => {
    for (const plan of ['team', 'starter'] as const) {
      const id = await endedUnnoticed();
      expect((await h.api('POST', `/v1/orgs/${id}/subscription/change`, { plan })).statusCode).toBe(202);
      expect(await org(h, id)).toMatchObject({ plan, subscription: { status: 'active', cancel_at_period_end: false, scheduled_plan: null } });
      expect((await balance(h, id)).plan.remaining).toBe(plan === 'team' ? 10_000 : 2_000);
    }
    await advance(h, { seconds: 1 });
  });
});
