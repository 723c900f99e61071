import fc from 'fast-check';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPlanCatalog, PROJECT_ROOT } from '../config.js';
import type { SubscriptionRow } from '../db/schema.js';
import { bucketCredits, heldCredits, prepaidCredits, type LedgerBook } from '../domain/ledger.js';
import { runCycle, type Answer, type OrgEffects } from './kernel.js';
import type { KernelRules, LoadedOrg } from './state.js';
import type { LedgerRequest } from './requests.js';

/**
 * The kernel driven directly with batches of mixed orgs' requests (issue 13): whatever goes into one
 * cycle, every org ends exactly where the same requests one cycle each would have left it, each
 * org's entries account for every change of its totals, and a request that fails — an unknown org,
 * a reused key, a hold that does not exist — changes nothing for anyone.
 */
const catalog = loadPlanCatalog(path.join(PROJECT_ROOT, 'config', 'plans.json'));
const NOW = new Date('2026-03-10T12:00:00Z');
const PERIOD_START = new Date('2026-03-01T00:00:00Z');
const PERIOD_END = new Date('2026-04-01T00:00:00Z');
const ORG_IDS = ['org-a', 'org-b', 'org-c', 'org-d'] as const;

/** Ids from a counter per kind, so two runs of the same requests name their holds alike. */
function rulesWithCounter(): KernelRules {
  const next = new Map<string, number>();
  return {
    catalog,
    holdTtlSeconds: 600,
    newId: (prefix) => {
      next.set(prefix, (next.get(prefix) ?? 0) + 1);
      return `${prefix}_${next.get(prefix)}`;
    },
  };
}

interface OrgShape {
  readonly planCredits: number;
  readonly purchasedCredits: number;
  readonly onDemand: boolean;
  readonly limitCredits: number;
  readonly disabled: readonly string[];
  /** A period end already passed: the first request of the org rolls it over. */
  readonly periodDue: boolean;
}

function loadedOrg(orgId: string, shape: OrgShape): LoadedOrg {
  const subscription: SubscriptionRow = {
    org_id: orgId,
    plan_id: 'starter',
    status: 'active',
    anchor_at: shape.periodDue ? new Date('2026-02-01T00:00:00Z') : PERIOD_START,
    period_unit: 'month',
    period_index: 0,
    current_period_start: shape.periodDue ? new Date('2026-02-01T00:00:00Z') : PERIOD_START,
    current_period_end: shape.periodDue ? PERIOD_START : PERIOD_END,
    cancel_at_period_end: false,
    scheduled_plan_id: null,
    updated_at: PERIOD_START,
    provider_subscription_id: null,
    pending_change: null,
    canceled_at: null,
    purge_after: null,
    last_provider_event_at: null,
  };
  const grant = (id: string, bucket: 'plan' | 'purchased', credits: number, order: number) => ({
    id,
    bucket,
    grantedCredits: credits,
    remainingCredits: credits,
    expiresAt: bucket === 'plan' ? subscription.current_period_end : null,
    createdAt: PERIOD_START,
    creationOrder: order,
    reason: bucket === 'plan' ? 'plan_period_grant' : 'purchase',
    periodStart: bucket === 'plan' ? subscription.current_period_start : null,
    note: null,
  });
  const grants = [
    ...(shape.planCredits > 0 ? [grant(`${orgId}-plan`, 'plan', shape.planCredits, 1)] : []),
    ...(shape.purchasedCredits > 0 ? [grant(`${orgId}-bought`, 'purchased', shape.purchasedCredits, 2)] : []),
  ];
  const book: LedgerBook = {
    now: NOW,
    grants,
    holds: [],
    overage: { enabled: shape.onDemand, limitCredits: shape.limitCredits, usedCredits: 0, periodStart: subscription.current_period_start },
    newGrants: [],
    closedHolds: [],
    entries: [],
  };
  return {
    org: { org_id: orgId, name: orgId, billing_address: { country: 'US', region: 'CA' } as never, vat_id: null, created_at: PERIOD_START, provider_customer_id: null, purged_at: null },
    subscription,
    settings: {
      org_id: orgId,
      disabled_modules: [...shape.disabled],
      on_demand_enabled: shape.onDemand,
      monthly_limit_credits: shape.limitCredits,
      low_balance_threshold: null,
      notification_emails: [],
      updated_at: PERIOD_START,
      auto_recharge_enabled: true,
      auto_recharge_threshold_credits: 100,
      auto_recharge_amount_credits: 500,
      auto_recharge_paused_at: null,
      user_limit_default_credits: null,
      user_limits_set: false,
    },
    contract: null,
    book,
    usageByKey: new Map([['used-before', { requestHash: 'hash-before', response: '{"id":"usg_before"}' }]]),
    holdsById: new Map(),
    holdUsers: new Map(),
    userLimits: new Map(),
  };
}

const orgShape: fc.Arbitrary<OrgShape> = fc.record({
  planCredits: fc.integer({ min: 0, max: 300 }),
  purchasedCredits: fc.integer({ min: 0, max: 200 }),
  onDemand: fc.boolean(),
  limitCredits: fc.integer({ min: 0, max: 100 }),
  disabled: fc.subarray(['reports']),
  periodDue: fc.boolean(),
});

/** A request, with holds named by their order among the batch's authorizes (resolved as it runs). */
type Step =
  | { kind: 'authorize'; org: number; credits: number; feature: 'assistant' | 'reports' }
  | { kind: 'record'; org: number; credits: number; key: number; settleHold: number | null }
  | { kind: 'release'; org: number; hold: number }
  | { kind: 'replay'; org: number; sameRequest: boolean }
  | { kind: 'unknown-org' }
  | { kind: 'maintain'; org: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('authorize' as const), org: fc.nat(3), credits: fc.integer({ min: 1, max: 80 }), feature: fc.constantFrom('assistant' as const, 'reports' as const) }),
  fc.record({ kind: fc.constant('record' as const), org: fc.nat(3), credits: fc.integer({ min: 1, max: 120 }), key: fc.nat(40), settleHold: fc.option(fc.nat(10), { nil: null }) }),
  fc.record({ kind: fc.constant('release' as const), org: fc.nat(3), hold: fc.nat(10) }),
  fc.record({ kind: fc.constant('replay' as const), org: fc.nat(3), sameRequest: fc.boolean() }),
  fc.constant({ kind: 'unknown-org' as const }),
  fc.record({ kind: fc.constant('maintain' as const), org: fc.nat(3) }),
);

/** Turns steps into requests; holds are named by the ids the counter will give (hold_N). */
function requestsFor(steps: readonly Step[]): LedgerRequest[] {
  return steps.map((item, index): LedgerRequest => {
    const orgId = item.kind === 'unknown-org' ? 'no-such-org' : ORG_IDS[item.org]!;
    switch (item.kind) {
      case 'authorize':
        return { kind: 'authorize', orgId, userId: 'u', feature: item.feature, action: 'chat', credits: item.credits };
      case 'record':
        return {
          kind: 'record',
          orgId,
          idempotencyKey: `k-${item.key}`,
          requestHash: `h-${item.key}-${item.credits}`,
          ...(item.settleHold === null ? {} : { holdId: `unknown-hold-${item.settleHold}` }),
          userId: 'u',
          feature: 'assistant',
          action: 'chat',
          tokens: item.credits * 1_000,
          credits: item.credits,
        };
      case 'release':
        return { kind: 'release', orgId, holdId: `unknown-hold-${item.hold}` };
      case 'replay':
        return { kind: 'record', orgId, idempotencyKey: 'used-before', requestHash: item.sameRequest ? 'hash-before' : `other-${index}`, userId: 'u', feature: 'assistant', action: 'chat', tokens: 1, credits: 1 };
      case 'unknown-org':
        return { kind: 'maintain', orgId };
      case 'maintain':
        return { kind: 'maintain', orgId };
    }
  });
}

/** The loaded orgs after one cycle's effects: the books and keys as the next cycle would load them. */
function reload(orgs: ReadonlyMap<string, LoadedOrg>, effects: readonly OrgEffects[]): Map<string, LoadedOrg> {
  const next = new Map(orgs);
  for (const effect of effects) {
    const before = orgs.get(effect.orgId)!;
    const usageByKey = new Map(before.usageByKey);
    for (const row of effect.usageRows) usageByKey.set(row.idempotency_key, { requestHash: row.request_hash, response: row.response });
    const holdsById = new Map(before.holdsById);
    for (const hold of effect.newHolds) holdsById.set(hold.hold_id, { credits: hold.credits, status: 'active' });
    for (const closed of effect.book.closedHolds) {
      const known = holdsById.get(closed.id);
      if (known) holdsById.set(closed.id, { ...known, status: closed.closing });
    }
    const book: LedgerBook = { ...effect.book, grants: effect.book.grants.filter((grant) => grant.remainingCredits > 0), newGrants: [], closedHolds: [], entries: [] };
    next.set(effect.orgId, { ...before, subscription: effect.subscription ?? before.subscription, book, usageByKey, holdsById });
  }
  return next;
}

/** What a person would compare: the answer without ids. */
function comparable(answer: Answer): unknown {
  if (!answer.ok) return { failed: answer.failure.code };
  const value = answer.value as Record<string, unknown> | undefined;
  if (value === undefined) return undefined;
  if ('body' in value) {
    const body = JSON.parse(value.body as string) as Record<string, unknown>;
    return { replayed: value.replayed, charged: body.charged, uncollected: body.uncollected, available: body.available };
  }
  const { hold_id: _hold, ...rest } = value;
  return rest;
}

function totals(book: LedgerBook) {
  return { plan: bucketCredits(book, 'plan'), purchased: bucketCredits(book, 'purchased'), held: heldCredits(book), overage: book.overage.usedCredits };
}

/** Hold ids a step names: the k-th hold the batch placed so far for that org, when there is one. */
function withHoldIds(requests: readonly LedgerRequest[], holdIdsByOrg: Map<string, string[]>, request: LedgerRequest): LedgerRequest {
  if ((request.kind === 'record' || request.kind === 'release') && request.holdId?.startsWith('unknown-hold-')) {
    const placed = holdIdsByOrg.get(request.orgId) ?? [];
    const pick = Number(request.holdId.slice('unknown-hold-'.length));
    // Half the picks name a real hold of the org (when it has one), half a hold that does not exist.
    if (pick % 2 === 0 && placed.length > 0) return { ...request, holdId: placed[pick % placed.length]! };
  }
  void requests;
  return request;
}

describe('the ledger kernel over mixed-org batches', () => {
  it('one cycle of many orgs ends where one cycle per request ends, and every org’s entries account for its totals', () => {
    fc.assert(
      fc.property(fc.array(orgShape, { minLength: 4, maxLength: 4 }), fc.array(step, { minLength: 1, maxLength: 40 }), (shapes, steps) => {
        const orgs = new Map<string, LoadedOrg>(ORG_IDS.map((orgId, index) => [orgId, loadedOrg(orgId, shapes[index]!)] as const));
        const raw = requestsFor(steps);

        // One request per cycle, each cycle starting from what the previous one wrote.
        const oneByOneRules = rulesWithCounter();
        let state: Map<string, LoadedOrg> = orgs;
        const holdIdsByOrg = new Map<string, string[]>();
        const requests: LedgerRequest[] = [];
        const oneByOne: Answer[] = [];
        for (const candidate of raw) {
          const request = withHoldIds(raw, holdIdsByOrg, candidate);
          requests.push(request);
          const { answers, effects } = runCycle(state, [request], oneByOneRules);
          oneByOne.push(answers[0]!);
          for (const effect of effects) for (const hold of effect.newHolds) holdIdsByOrg.set(effect.orgId, [...(holdIdsByOrg.get(effect.orgId) ?? []), hold.hold_id]);
          state = reload(state, effects);
        }

        // The same requests (naming the same holds) in a single cycle.
        const { answers, effects } = runCycle(orgs, requests, rulesWithCounter());
        expect(answers.map(comparable)).toEqual(oneByOne.map(comparable));
        for (const effect of effects) {
          expect(totals(effect.book), effect.orgId).toEqual(totals(state.get(effect.orgId)!.book));
          // Conservation: every change of a total is an entry of its account.
          const sum = (account: string) => effect.book.entries.filter((entry) => entry.account === account).reduce((total, entry) => total + entry.credits, 0);
          const loaded = effect.loaded;
          expect(sum('plan') + sum('purchased') + sum('promotional')).toBe(prepaidCredits(effect.book) - prepaidCredits(loaded));
          expect(sum('held')).toBe(heldCredits(effect.book) - heldCredits(loaded));
          // Usage rows charge what their entries took.
          const charged = effect.usageRows.reduce((total, row) => total + row.charged_credits, 0);
          const usageEntries = effect.book.entries.filter((entry) => entry.reason === 'usage').reduce((total, entry) => total + Math.abs(entry.credits), 0);
          expect(charged).toBe(usageEntries);
          // A period that came due is closed once, however many of the org's requests the cycle holds.
          expect(effect.closings.length).toBe(orgs.get(effect.orgId)!.subscription.current_period_end <= NOW ? 1 : 0);
          // An alert fires at most once per org and cycle.
          const types = effect.events.map((event) => event.type);
          expect(new Set(types).size).toBe(types.length);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a request that fails changes nothing for the others in its cycle', () => {
    fc.assert(
      fc.property(fc.array(orgShape, { minLength: 4, maxLength: 4 }), fc.array(step, { minLength: 1, maxLength: 30 }), fc.nat(), (shapes, steps, where) => {
        const orgs = new Map<string, LoadedOrg>(ORG_IDS.map((orgId, index) => [orgId, loadedOrg(orgId, shapes[index]!)] as const));
        const requests = requestsFor(steps.filter((item) => item.kind !== 'unknown-org' && item.kind !== 'replay'));
        const failing: LedgerRequest[] = [
          { kind: 'record', orgId: 'no-such-org', idempotencyKey: 'x', requestHash: 'x', userId: 'u', feature: 'assistant', action: 'chat', tokens: 1, credits: 1 },
          { kind: 'record', orgId: 'org-b', idempotencyKey: 'used-before', requestHash: 'a different request', userId: 'u', feature: 'assistant', action: 'chat', tokens: 1, credits: 1 },
          { kind: 'release', orgId: 'org-c', holdId: 'hold_does_not_exist' },
        ];
        const position = where % (requests.length + 1);
        const withFailures = [...requests.slice(0, position), ...failing, ...requests.slice(position)];
        // The clean run opens the same orgs at the same place (maintenance only), so both bring them up to date alike.
        const opening: LedgerRequest[] = [{ kind: 'maintain', orgId: 'org-b' }, { kind: 'maintain', orgId: 'org-c' }];
        const clean = runCycle(orgs, [...requests.slice(0, position), ...opening, ...requests.slice(position)], rulesWithCounter());
        const mixed = runCycle(orgs, withFailures, rulesWithCounter());
        expect(mixed.answers.slice(position, position + failing.length).map(comparable)).toEqual([
          { failed: 'ORG_NOT_FOUND' },
          { failed: 'IDEMPOTENCY_CONFLICT' },
          { failed: 'HOLD_NOT_FOUND' },
        ]);
        const others = [...mixed.answers.slice(0, position), ...mixed.answers.slice(position + failing.length)];
        const cleanOthers = [...clean.answers.slice(0, position), ...clean.answers.slice(position + opening.length)];
        expect(others.map(comparable)).toEqual(cleanOthers.map(comparable));
        expect(mixed.effects.map((effect) => effect.orgId).sort()).toEqual(clean.effects.map((effect) => effect.orgId).sort());
        for (const effect of clean.effects) {
          const same = mixed.effects.find((candidate) => candidate.orgId === effect.orgId)!;
          expect({ totals: totals(same.book), entries: same.book.entries.length, holds: same.newHolds.length, usage: same.usageRows.length }, effect.orgId).toEqual({
            totals: totals(effect.book),
            entries: effect.book.entries.length,
            holds: effect.newHolds.length,
            usage: effect.usageRows.length,
          });
        }
      }),
      { numRuns: 200 },
    );
  });
});
