import { CompiledQuery } from 'kysely';
import type pg from 'pg';
import type { Db } from './database.js';
import type { ContractTerms, HoldStatus, OrgRow, OrgSettingsRow, SubscriptionRow } from './schema.js';
import { bucketCredits, heldCredits, type Grant, type Hold, type LedgerBook } from '../domain/ledger.js';
import { assertInvariant } from '../domain/assert.js';
import type { OrgEffects } from '../ledger/kernel.js';
import type { LoadedOrg } from '../ledger/state.js';
import type { LedgerRequest } from '../ledger/requests.js';

/**
 * The SQL of a ledger cycle (DESIGN.md), whatever the number of orgs and requests in it:
 * 1. lock and load: the orgs' balance rows locked in org-id order, so servers sharing a database never
 *    deadlock, then every org's book, the answers stored for the cycle's idempotency keys and the holds
 *    its requests name: one call of a SQL function (with `transact`, row-level security is first scoped
 *    to the org: SCOPE_SQL);
 * 2. write: every effect of every org as one JSON document, applied by a call of ledger_write
 *    (migration 0011); the engine sends it and the COMMIT as one simple query.
 * Both functions' statements are planned once per connection (PL/pgSQL caches their plans). Their generic plans must stay index lookups whatever an org's size: the keys
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
export const LOCK_AND_LOAD_SQL = `SELECT ledger_lock_and_load($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) AS book`;


/** The write: every effect of the cycle as one JSON document (writeDocument), applied by ledger_write (migration 0011). */
export const WRITE_SQL = `SELECT ledger_write($1::timestamptz, $2::jsonb)`;

/** The parameters of LOCK_AND_LOAD_SQL: the orgs, and the keys and holds their requests name. */
export function loadParameters(orgIds: readonly string[], requests: readonly LedgerRequest[]): unknown[] {
  const keyOrgs: string[] = [];
  const keys: string[] = [];
  const holdOrgs: string[] = [];
  const holdIds: string[] = [];
  const userOrgs: string[] = [];
  const users: string[] = [];
  for (const request of requests) {
    if (request.kind === 'authorize' || request.kind === 'record') {
      userOrgs.push(request.orgId);
      users.push(request.userId);
    }
    if (request.kind === 'record') {
      keyOrgs.push(request.orgId);
      keys.push(request.idempotencyKey);
    }
    if ((request.kind === 'record' || request.kind === 'release') && request.holdId !== undefined) {
      holdOrgs.push(request.orgId);
      holdIds.push(request.holdId);
    }
  }
  return [orgIds, keyOrgs, keys, holdOrgs, holdIds, userOrgs, users];
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
  holds: { id: string; credits: number; expires_at: string; user_id: string }[];
  used_keys: { key: string; hash: string; response: string }[];
  named_holds: { id: string; credits: number; status: HoldStatus }[];
  user_limits: { user_id: string; limit: number | null; used: number | string; alerts: ('warning' | 'reached')[] }[];
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
      holdUsers: new Map(row.holds.map((hold) => [hold.id, hold.user_id])),
      userLimits: new Map(
        row.user_limits.map((user) => [user.user_id, { limit: user.limit === null ? null : Number(user.limit), used: Number(user.used), alerts: new Set(user.alerts) }]),
      ),
    });
  }
  return orgs;
}

type Row = Record<string, unknown>;

/**
 * What ledger_write (migration 0011) applies: one array of rows per table the cycle touches, each row
 * named like the table's columns; a table with nothing to write is left out (its statement is skipped).
 */
export function writeDocument(effects: readonly OrgEffects[], now: Date): Record<string, Row[]> {
  const grants: Row[] = [];
  const drawn: Row[] = [];
  const newHolds: Row[] = [];
  const closedHolds: Row[] = [];
  const entries: Row[] = [];
  const usage: Row[] = [];
  const subscriptions: Row[] = [];
  const events: Row[] = [];
  const recharges: Row[] = [];
  const closings: Row[] = [];
  const userAlerts: Row[] = [];
  const totals: Row[] = [];
  for (const effect of effects) {
    const { orgId: org_id, loaded, book } = effect;
    const newIds = new Set(book.newGrants.map((grant) => grant.id));
    assertInvariant(
      book.newGrants.every((grant, index) => index === 0 || grant.creationOrder > book.newGrants[index - 1]!.creationOrder),
      'new grants are written in their creation order',
    );
    for (const grant of book.newGrants) {
      const remaining = book.grants.find((live) => live.id === grant.id)?.remainingCredits ?? grant.remainingCredits;
      grants.push({ n: grants.length, org_id, grant_id: grant.id, bucket: grant.bucket, reason: grant.reason, granted_credits: grant.grantedCredits,
        remaining_credits: remaining, expires_at: grant.expiresAt, period_start: grant.periodStart, note: grant.note, created_at: grant.createdAt });
    }
    const previous = new Map(loaded.grants.map((grant) => [grant.id, grant.remainingCredits]));
    for (const grant of book.grants) {
      if (!newIds.has(grant.id) && previous.get(grant.id) !== grant.remainingCredits) drawn.push({ org_id, grant_id: grant.id, remaining_credits: grant.remainingCredits });
    }
    // A hold placed and closed in the same cycle is inserted closed (its row is written once).
    const closing = new Map(book.closedHolds.map((hold) => [hold.id, hold.closing]));
    const placedNow = new Set<string>();
    for (const hold of effect.newHolds) {
      placedNow.add(hold.hold_id);
      const status = closing.get(hold.hold_id) ?? 'active';
      newHolds.push({ ...hold, org_id, status, closed_at: status === 'active' ? null : now });
    }
    for (const hold of book.closedHolds) if (!placedNow.has(hold.id)) closedHolds.push({ org_id, hold_id: hold.id, status: hold.closing });
    for (const entry of book.entries) {
      entries.push({ n: entries.length, org_id, kind: entry.kind, reason: entry.reason, account: entry.account, credits: entry.credits,
        grant_id: entry.grantId ?? null, hold_id: entry.holdId ?? null, usage_id: entry.usageId ?? null, period_start: entry.periodStart ?? null,
        limit_credits: entry.limitCredits ?? null, note: entry.note ?? null });
    }
    for (const row of effect.usageRows) usage.push({ ...row });
    if (effect.subscription) subscriptions.push({ ...effect.subscription });
    for (const event of effect.events) events.push({ n: events.length, org_id, event_id: event.id, type: event.type, data: event.data });
    for (const alert of effect.userAlerts) userAlerts.push({ org_id, user_id: alert.userId, period_start: alert.periodStart, kind: alert.kind });
    for (const recharge of effect.autoRecharges) recharges.push({ org_id, recharge_id: recharge.id, credits: recharge.credits });
    for (const closed of effect.closings) {
      assertInvariant(closed.closed !== null, 'a closing names the period that closed');
      closings.push({ org_id, closed_period_start: closed.closed.start, closing: closed });
    }
    totals.push({ org_id, plan_credits: bucketCredits(book, 'plan'), purchased_credits: bucketCredits(book, 'purchased'),
      promotional_credits: bucketCredits(book, 'promotional'), held_credits: heldCredits(book), overage_used_credits: book.overage.usedCredits,
      overage_period_start: book.overage.periodStart, next_due_at: effect.nextDueAt });
  }
  const tables = { grants, drawn, new_holds: newHolds, closed_holds: closedHolds, entries, usage, subscriptions, events, recharges, closings, user_alerts: userAlerts, totals };
  return Object.fromEntries(Object.entries(tables).filter(([, rows]) => rows.length > 0));
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
  await tx.executeQuery(CompiledQuery.raw(WRITE_SQL, [now, JSON.stringify(writeDocument(effects, now))]));
}

/**
 * A cycle reads and writes a handful of rows per table, each by its key: index lookups in nested
 * loops are always the right plan. Left to itself, with the stale statistics of a table that grew
 * fast, PostgreSQL planned the write's updates as hash joins over whole tables. The write keeps its
 * generic plan (no planning per cycle); the load of a cycle with usage records is planned for its
 * arguments — as a generic plan, with stale statistics, it looked keys up through the wrong index
 * (every usage row of the org) — and the load of any other cycle keeps its generic plan.
 */
const PLAN_BY_KEY = 'SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off; SET LOCAL enable_seqscan = off;';
const KEEP_WRITE_PLAN = 'SET LOCAL plan_cache_mode = force_generic_plan;';
/** A cycle without usage records looks up no keys: its load keeps its generic plan too (no planning). */
const looksUpKeys = (request: LedgerRequest) => request.kind === 'record';

/** A statement with its text-array parameters written as escaped literals, for the simple query that begins a cycle. */
function literal(client: pg.PoolClient, text: string, values: readonly (readonly string[])[]): string {
  return text.replace(/\$(\d+)::text\[\]/g, (_match, index: string) => `ARRAY[${values[Number(index) - 1]!.map((item) => client.escapeLiteral(item)).join(',')}]::text[]`);
}

/**
 * The engine's raw connection (ledger/engine.ts), one simple query and one round trip: BEGIN, the
 * planner settings, then the lock and the load.
 */
export async function beginLockAndLoad(client: pg.PoolClient, orgIds: readonly string[], requests: readonly LedgerRequest[]): Promise<LoadRow[]> {
  const results = (await client.query(
    `BEGIN; ${PLAN_BY_KEY} ${requests.some(looksUpKeys) ? '' : KEEP_WRITE_PLAN} ${literal(client, LOCK_AND_LOAD_SQL, loadParameters(orgIds, requests) as string[][])}; ${KEEP_WRITE_PLAN}`,
  )) as unknown as { rows: { book: LoadRow }[] }[];
  // The results of BEGIN and each SET LOCAL come first; the load is the one before the last SET.
  return results[results.length - 2]!.rows.map((row) => row.book);
}

/** The engine's write and commit, one simple query and one round trip (if the write fails, the COMMIT is not run). */
export async function writeAndCommit(client: pg.PoolClient, document: string, now: Date): Promise<void> {
  await client.query(`SELECT ledger_write(${client.escapeLiteral(now.toISOString())}, ${client.escapeLiteral(document)}); COMMIT`);
}

/** Ends the engine's failed transaction; false when the connection could not (it is then discarded). */
export async function rollBack(client: pg.PoolClient): Promise<boolean> {
  return client.query('ROLLBACK').then(
    () => true,
    () => false,
  );
}

export type { LoadRow };
