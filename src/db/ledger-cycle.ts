import { CompiledQuery } from 'kysely';
import type { Db } from './database.js';
import type { ContractTerms, HoldStatus, OrgRow, OrgSettingsRow, SubscriptionRow } from './schema.js';
import { bucketCredits, heldCredits, type Grant, type Hold, type LedgerBook } from '../domain/ledger.js';
import { assertInvariant } from '../domain/credits.js';
import type { OrgEffects } from '../ledger/kernel.js';
import type { LoadedOrg } from '../ledger/state.js';
import type { LedgerRequest } from '../ledger/requests.js';

/**
 * The SQL of a ledger cycle (DESIGN.md), whatever the number of orgs and requests in it:
 * 1. lock and load: the orgs' balance rows locked in org-id order, so servers sharing a database never
 *    deadlock, then every org's book, the answers stored for the cycle's idempotency keys and the holds
 *    its requests name: one call of a SQL function (with `transact`, row-level security is first scoped
 *    to the org: SCOPE_SQL);
 * 3. write: every effect of every org in one statement of data-modifying CTEs over unnest() arrays.
 * The write's text is fixed, so the engine runs it as a named prepared statement (parsed and planned
 * once per connection); the function's statements are planned once per connection too. Their generic plans must stay index lookups whatever an org's size: the keys
 * and holds a cycle names are looked up one by one (LATERAL) in their unique indexes (checked with
 * auto_explain on a hot org with 10,000 usage rows: scripts/explain-cycle.mjs). The lock is its own statement: a query that waited for the lock would read
 * grants from the snapshot taken before the wait (READ COMMITTED) and lose the writes it waited for.
 */

/** The session settings and lock; `orgIds` must be sorted only for readability (ORDER BY decides). */
export const SCOPE_SQL = `SELECT set_config('role', 'loupe_app', true), set_config('loupe.org_id', $1, true)`;

/**
 * Lock and load in one call of ledger_lock_and_load (migration 0010): it locks the orgs' balance rows
 * in org-id order, then — a new statement, so a new snapshot that sees what the lock waited for —
 * returns one JSON object per org: its totals, org, subscription, settings, contract, live grants,
 * active holds, the answers stored for the cycle's idempotency keys and the holds its requests name.
 */
export const LOCK_AND_LOAD_SQL = `SELECT ledger_lock_and_load($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS book`;


export const WRITE_SQL = `
  WITH new_grants AS (
    INSERT INTO grants (org_id, grant_id, bucket, reason, granted_credits, remaining_credits, expires_at, period_start, note, created_at)
    SELECT g.org_id, g.grant_id, g.bucket, g.reason, g.granted, g.remaining, g.expires_at, g.period_start, g.note, g.created_at
    FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[], $8::timestamptz[], $9::timestamptz[], $10::text[], $11::timestamptz[])
      WITH ORDINALITY AS g (org_id, grant_id, bucket, reason, granted, remaining, expires_at, period_start, note, created_at, n)
    ORDER BY g.n
    RETURNING 1
  ), drawn AS (
    UPDATE grants SET remaining_credits = d.remaining
    FROM unnest($12::text[], $13::text[], $14::bigint[]) AS d (org_id, grant_id, remaining)
    WHERE grants.org_id = d.org_id AND grants.grant_id = d.grant_id
    RETURNING 1
  ), new_holds AS (
    INSERT INTO holds (org_id, hold_id, credits, status, user_id, feature, action, created_at, expires_at, closed_at)
    SELECT * FROM unnest($15::text[], $16::text[], $17::bigint[], $18::text[], $19::text[], $20::text[], $21::text[], $22::timestamptz[],
      $23::timestamptz[], $24::timestamptz[])
    RETURNING 1
  ), closed_holds AS (
    UPDATE holds SET status = c.status, closed_at = $1
    FROM unnest($25::text[], $26::text[], $27::text[]) AS c (org_id, hold_id, status)
    WHERE holds.org_id = c.org_id AND holds.hold_id = c.hold_id AND holds.status = 'active'
    RETURNING 1
  ), entries AS (
    INSERT INTO ledger_entries (org_id, created_at, kind, reason, account, credits, grant_id, hold_id, usage_id, period_start, limit_credits, note)
    SELECT e.org_id, $1, e.kind, e.reason, e.account, e.credits, e.grant_id, e.hold_id, e.usage_id, e.period_start, e.limit_credits, e.note
    FROM unnest($28::text[], $29::text[], $30::text[], $31::text[], $32::bigint[], $33::text[], $34::text[], $35::text[], $36::timestamptz[],
      $37::bigint[], $38::text[]) WITH ORDINALITY AS e (org_id, kind, reason, account, credits, grant_id, hold_id, usage_id, period_start, limit_credits, note, n)
    ORDER BY e.n
    RETURNING 1
  ), usage AS (
    INSERT INTO usage_records (org_id, usage_id, idempotency_key, request_hash, hold_id, user_id, user_name, feature, action,
      tokens, credits, charged_credits, uncollected_credits, occurred_at, recorded_at, response)
    SELECT * FROM unnest($39::text[], $40::text[], $41::text[], $42::text[], $43::text[], $44::text[], $45::text[], $46::text[], $47::text[],
      $48::bigint[], $49::bigint[], $50::bigint[], $51::bigint[], $52::timestamptz[], $53::timestamptz[], $54::text[])
    RETURNING 1
  ), saved_subscriptions AS (
    UPDATE subscriptions SET plan_id = n.plan_id, status = n.status, anchor_at = n.anchor_at, period_unit = n.period_unit,
      period_index = n.period_index, current_period_start = n.current_period_start, current_period_end = n.current_period_end,
      cancel_at_period_end = n.cancel_at_period_end, scheduled_plan_id = n.scheduled_plan_id, updated_at = n.updated_at,
      provider_subscription_id = n.provider_subscription_id, pending_change = n.pending_change, canceled_at = n.canceled_at,
      purge_after = n.purge_after, last_provider_event_at = n.last_provider_event_at
    FROM jsonb_populate_recordset(NULL::subscriptions, $55::jsonb) AS n
    WHERE subscriptions.org_id = n.org_id
    RETURNING 1
  ), new_events AS (
    INSERT INTO events (org_id, event_id, type, data, created_at, fan_out_pending)
    SELECT v.org_id, v.event_id, v.type, v.data::jsonb, $1, true
    FROM unnest($56::text[], $57::text[], $58::text[], $59::text[]) WITH ORDINALITY AS v (org_id, event_id, type, data, n)
    ORDER BY v.n
    RETURNING 1
  ), recharges AS (
    INSERT INTO auto_recharges (org_id, recharge_id, credits, status, purchase_id, failure_code, locked_until, created_at)
    SELECT r.org_id, r.recharge_id, r.credits, 'pending', NULL, NULL, NULL, $1
    FROM unnest($60::text[], $61::text[], $62::bigint[]) AS r (org_id, recharge_id, credits)
    RETURNING 1
  ), closings AS (
    INSERT INTO period_closings (org_id, closed_period_start, closing, created_at)
    SELECT p.org_id, p.closed_period_start, p.closing::jsonb, $1
    FROM unnest($63::text[], $64::timestamptz[], $65::text[]) AS p (org_id, closed_period_start, closing)
    RETURNING 1
  )
  UPDATE org_balances SET plan_credits = t.plan, purchased_credits = t.purchased, promotional_credits = t.promotional,
    held_credits = t.held, overage_used_credits = t.overage_used, overage_period_start = t.overage_period_start,
    next_due_at = t.next_due_at, updated_at = $1
  FROM unnest($66::text[], $67::bigint[], $68::bigint[], $69::bigint[], $70::bigint[], $71::bigint[], $72::timestamptz[], $73::timestamptz[])
    AS t (org_id, plan, purchased, promotional, held, overage_used, overage_period_start, next_due_at)
  WHERE org_balances.org_id = t.org_id`;

/** The parameters of LOCK_AND_LOAD_SQL: the orgs, and the keys and holds their requests name. */
export function loadParameters(orgIds: readonly string[], requests: readonly LedgerRequest[]): unknown[] {
  const keyOrgs: string[] = [];
  const keys: string[] = [];
  const holdOrgs: string[] = [];
  const holdIds: string[] = [];
  for (const request of requests) {
    if (request.kind === 'record') {
      keyOrgs.push(request.orgId);
      keys.push(request.idempotencyKey);
    }
    if ((request.kind === 'record' || request.kind === 'release') && request.holdId !== undefined) {
      holdOrgs.push(request.orgId);
      holdIds.push(request.holdId);
    }
  }
  return [orgIds, keyOrgs, keys, holdOrgs, holdIds];
}

interface LoadRow {
  org_id: string;
  overage_used_credits: number;
  overage_period_start: string;
  org: Record<string, unknown>;
  subscription: Record<string, unknown>;
  settings: Record<string, unknown>;
  contract: ContractTerms | null;
  grants: {
    id: string;
    bucket: Grant['bucket'];
    granted: number;
    remaining: number;
    expires_at: string | null;
    created_at: string;
    creation_order: number;
    reason: string;
    period_start: string | null;
    note: string | null;
  }[];
  holds: { id: string; credits: number; expires_at: string }[];
  used_keys: { key: string; hash: string; response: string }[];
  named_holds: { id: string; credits: number; status: HoldStatus }[];
}

/** Timestamps come back from row_to_json as ISO strings. */
function withDates<T>(row: Record<string, unknown>, keys: readonly string[]): T {
  const copy: Record<string, unknown> = { ...row };
  for (const key of keys) if (typeof copy[key] === 'string') copy[key] = new Date(copy[key] as string);
  return copy as T;
}

const SUBSCRIPTION_DATES = ['anchor_at', 'current_period_start', 'current_period_end', 'updated_at', 'canceled_at', 'purge_after', 'last_provider_event_at'];

/** The loaded orgs by id; an org that is unknown or purged has no balance row and is absent. */
export function parseLoadedOrgs(rows: readonly LoadRow[], now: Date): Map<string, LoadedOrg> {
  const orgs = new Map<string, LoadedOrg>();
  for (const row of rows) {
    const subscription = withDates<SubscriptionRow>(row.subscription, SUBSCRIPTION_DATES);
    const settings = withDates<OrgSettingsRow>(row.settings, ['updated_at', 'auto_recharge_paused_at']);
    const book: LedgerBook = {
      now,
      grants: row.grants.map(
        (grant): Grant => ({
          id: grant.id,
          bucket: grant.bucket,
          grantedCredits: grant.granted,
          remainingCredits: grant.remaining,
          expiresAt: grant.expires_at === null ? null : new Date(grant.expires_at),
          createdAt: new Date(grant.created_at),
          creationOrder: grant.creation_order,
          reason: grant.reason,
          periodStart: grant.period_start === null ? null : new Date(grant.period_start),
          note: grant.note,
        }),
      ),
      holds: row.holds.map((hold): Hold => ({ id: hold.id, credits: hold.credits, expiresAt: new Date(hold.expires_at) })),
      overage: {
        // An ended term has no next invoice to bill overage on: usage past the prepaid credits is uncollected.
        enabled: settings.on_demand_enabled && subscription.status !== 'canceled',
        limitCredits: settings.monthly_limit_credits,
        usedCredits: Number(row.overage_used_credits),
        periodStart: new Date(row.overage_period_start),
      },
      newGrants: [],
      closedHolds: [],
      entries: [],
    };
    orgs.set(row.org_id, {
      org: withDates<OrgRow>(row.org, ['created_at', 'purged_at']),
      subscription,
      settings,
      contract: row.contract,
      book,
      usageByKey: new Map(row.used_keys.map((used) => [used.key, { requestHash: used.hash, response: used.response }])),
      holdsById: new Map(row.named_holds.map((hold) => [hold.id, { credits: hold.credits, status: hold.status }])),
    });
  }
  return orgs;
}

/** One array per column: what WRITE_SQL's unnest() turns back into rows. */
class Columns {
  private readonly arrays: unknown[][];
  constructor(count: number) {
    this.arrays = Array.from({ length: count }, () => []);
  }
  push(...values: unknown[]): void {
    values.forEach((value, index) => this.arrays[index]!.push(value));
  }
  get values(): unknown[][] {
    return this.arrays;
  }
}

/** The parameters of WRITE_SQL for the effects of every org in the cycle. */
export function writeParameters(effects: readonly OrgEffects[], now: Date): unknown[] {
  const grants = new Columns(10);
  const drawn = new Columns(3);
  const newHolds = new Columns(10);
  const closedHolds = new Columns(3);
  const entries = new Columns(11);
  const usage = new Columns(16);
  const subscriptions: SubscriptionRow[] = [];
  const events = new Columns(4);
  const recharges = new Columns(3);
  const closings = new Columns(3);
  const totals = new Columns(8);
  for (const effect of effects) {
    const { orgId, loaded, book } = effect;
    const newIds = new Set(book.newGrants.map((grant) => grant.id));
    assertInvariant(
      book.newGrants.every((grant, index) => index === 0 || grant.creationOrder > book.newGrants[index - 1]!.creationOrder),
      'new grants are written in their creation order',
    );
    for (const grant of book.newGrants) {
      const remaining = book.grants.find((live) => live.id === grant.id)?.remainingCredits ?? grant.remainingCredits;
      grants.push(orgId, grant.id, grant.bucket, grant.reason, grant.grantedCredits, remaining, grant.expiresAt, grant.periodStart, grant.note, grant.createdAt);
    }
    const previous = new Map(loaded.grants.map((grant) => [grant.id, grant.remainingCredits]));
    for (const grant of book.grants) {
      if (!newIds.has(grant.id) && previous.get(grant.id) !== grant.remainingCredits) drawn.push(orgId, grant.id, grant.remainingCredits);
    }
    // A hold placed and closed in the same cycle is inserted closed (one statement cannot update a row it inserts).
    const closing = new Map(book.closedHolds.map((hold) => [hold.id, hold.closing]));
    const placedNow = new Set<string>();
    for (const hold of effect.newHolds) {
      placedNow.add(hold.hold_id);
      const status = closing.get(hold.hold_id) ?? 'active';
      newHolds.push(orgId, hold.hold_id, hold.credits, status, hold.user_id, hold.feature, hold.action, hold.created_at, hold.expires_at, status === 'active' ? null : now);
    }
    for (const hold of book.closedHolds) if (!placedNow.has(hold.id)) closedHolds.push(orgId, hold.id, hold.closing);
    for (const entry of book.entries) {
      entries.push(orgId, entry.kind, entry.reason, entry.account, entry.credits, entry.grantId ?? null, entry.holdId ?? null, entry.usageId ?? null,
        entry.periodStart ?? null, entry.limitCredits ?? null, entry.note ?? null);
    }
    for (const row of effect.usageRows) {
      usage.push(row.org_id, row.usage_id, row.idempotency_key, row.request_hash, row.hold_id, row.user_id, row.user_name, row.feature, row.action,
        row.tokens, row.credits, row.charged_credits, row.uncollected_credits, row.occurred_at, row.recorded_at, row.response);
    }
    if (effect.subscription) subscriptions.push(effect.subscription);
    for (const event of effect.events) events.push(orgId, event.id, event.type, JSON.stringify(event.data));
    for (const recharge of effect.autoRecharges) recharges.push(orgId, recharge.id, recharge.credits);
    for (const closed of effect.closings) {
      assertInvariant(closed.closed !== null, 'a closing names the period that closed');
      closings.push(orgId, closed.closed.start, JSON.stringify(closed));
    }
    totals.push(orgId, bucketCredits(book, 'plan'), bucketCredits(book, 'purchased'), bucketCredits(book, 'promotional'), heldCredits(book),
      book.overage.usedCredits, book.overage.periodStart, effect.nextDueAt);
  }
  return [
    now,
    ...grants.values,
    ...drawn.values,
    ...newHolds.values,
    ...closedHolds.values,
    ...entries.values,
    ...usage.values,
    JSON.stringify(subscriptions.map((subscription) => ({ ...subscription }))),
    ...events.values,
    ...recharges.values,
    ...closings.values,
    ...totals.values,
  ];
}

/**
 * The three statements of a cycle on a Kysely transaction (money-moving use cases that do their
 * own writes in the same transaction). The engine runs the same texts on a raw connection.
 */
export async function lockAndLoad(tx: Db, orgIds: readonly string[], requests: readonly LedgerRequest[], now: Date): Promise<Map<string, LoadedOrg>> {
  await tx.executeQuery(CompiledQuery.raw(SCOPE_SQL, [orgIds.join(',')]));
  const { rows } = await tx.executeQuery<{ book: LoadRow }>(CompiledQuery.raw(LOCK_AND_LOAD_SQL, loadParameters(orgIds, requests)));
  return parseLoadedOrgs(rows.map((row) => row.book), now);
}

export async function writeEffects(tx: Db, effects: readonly OrgEffects[], now: Date): Promise<void> {
  await tx.executeQuery(CompiledQuery.raw(WRITE_SQL, writeParameters(effects, now)));
}

export type { LoadRow };
