import { sql, type RawBuilder } from 'kysely';
import type { Db } from './database.js';
import type { ContractTerms, OrgRow, OrgSettingsRow, SubscriptionRow } from './schema.js';
import type { Grant, Hold, LedgerBook } from '../domain/ledger.js';
import { bucketCredits, heldCredits } from '../domain/ledger.js';
import { assertInvariant } from '../domain/credits.js';

/**
 * Loading and saving an org's ledger book. `lockBook` must run inside a transaction: it takes the
 * org's one lock (its balance row) and loads everything the ledger rules need.
 */
export interface LockedOrg {
  readonly org: OrgRow;
  readonly contract: ContractTerms | null;
  readonly subscription: SubscriptionRow;
  readonly settings: OrgSettingsRow;
  readonly book: LedgerBook;
}

export async function lockBook(tx: Db, orgId: string, now: Date): Promise<LockedOrg | undefined> {
  await enterOrgScope(tx, orgId);
  return readBook(tx, orgId, now);
}

/**
 * For the rest of this transaction: the role loupe_app, scoped to one org by row-level security
 * (migration 0006), so a query that forgets its org filter still sees only this org.
 */
export async function enterOrgScope(tx: Db, orgId: string): Promise<void> {
  await sql`SELECT set_config('role', 'loupe_app', true), set_config('loupe.org_id', ${orgId}, true)`.execute(tx);
}

/** Timestamps come back from json_build_object / row_to_json as ISO strings. */
function withDates<T>(row: Record<string, unknown>, keys: readonly string[]): T {
  const copy: Record<string, unknown> = { ...row };
  for (const key of keys) if (typeof copy[key] === 'string') copy[key] = new Date(copy[key] as string);
  return copy as T;
}

interface BookRow {
  balance: { overage_used_credits: number; overage_period_start: string };
  org: Record<string, unknown>;
  subscription: Record<string, unknown>;
  settings: Record<string, unknown>;
  contract: ContractTerms | null;
  grants: { id: string; bucket: Grant['bucket']; granted: number; remaining: number; expires_at: string | null; created_at: string; creation_order: number }[];
  holds: { id: string; credits: number; expires_at: string }[];
}

/**
 * Everything the ledger rules need, in one query (it runs once per batch on the hot path): the
 * balance row, the org, its subscription, settings and contract, its live grants and its active
 * holds. The lock is taken first by a statement of its own: a query that waited for
 * the lock would otherwise return grants read from its snapshot taken before the wait (READ
 * COMMITTED), and lose the writes of the transaction it waited for.
 */
async function readBook(tx: Db, orgId: string, now: Date): Promise<LockedOrg | undefined> {
  const locked = await tx.selectFrom('org_balances').select('org_id').where('org_id', '=', orgId).forUpdate().executeTakeFirst();
  if (!locked) return undefined;
  const { rows } = await sql<BookRow>`
    SELECT json_build_object('overage_used_credits', b.overage_used_credits, 'overage_period_start', b.overage_period_start) AS balance,
      row_to_json(o) AS org, row_to_json(s) AS subscription, row_to_json(st) AS settings,
      (SELECT c.terms FROM contracts c WHERE c.org_id = b.org_id) AS contract,
      coalesce((SELECT json_agg(json_build_object('id', g.grant_id, 'bucket', g.bucket, 'granted', g.granted_credits,
          'remaining', g.remaining_credits, 'expires_at', g.expires_at, 'created_at', g.created_at, 'creation_order', g.creation_order)
          ORDER BY g.creation_order)
        FROM grants g WHERE g.org_id = b.org_id AND g.remaining_credits > 0), '[]') AS grants,
      coalesce((SELECT json_agg(json_build_object('id', h.hold_id, 'credits', h.credits, 'expires_at', h.expires_at))
        FROM holds h WHERE h.org_id = b.org_id AND h.status = 'active'), '[]') AS holds
    FROM org_balances b
    JOIN orgs o ON o.org_id = b.org_id
    JOIN subscriptions s ON s.org_id = b.org_id
    JOIN org_settings st ON st.org_id = b.org_id
    WHERE b.org_id = ${orgId}`.execute(tx);
  const row = rows[0];
  if (!row) return undefined;
  const org = withDates<OrgRow>(row.org, ['created_at', 'purged_at']);
  const subscription = withDates<SubscriptionRow>(row.subscription, [
    'anchor_at',
    'current_period_start',
    'current_period_end',
    'updated_at',
    'canceled_at',
    'purge_after',
    'last_provider_event_at',
  ]);
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
      }),
    ),
    holds: row.holds.map((hold): Hold => ({ id: hold.id, credits: hold.credits, expiresAt: new Date(hold.expires_at) })),
    overage: {
      // An ended term has no next invoice to bill overage on: usage past the prepaid credits is uncollected.
      enabled: settings.on_demand_enabled && subscription.status !== 'canceled',
      limitCredits: settings.monthly_limit_credits,
      usedCredits: row.balance.overage_used_credits,
      periodStart: new Date(row.balance.overage_period_start),
    },
    newGrants: [],
    closedHolds: [],
    entries: [],
  };
  return { org, contract: row.contract, subscription, settings, book };
}

/** Grant metadata the book does not carry, keyed by grant id. */
export type GrantDetails = ReadonlyMap<string, { reason: string; periodStart?: Date | null; note?: string | null }>;

/**
 * Writes what a computation changed — new and drawn grants, closed holds, the entries and the cached
 * totals — in one statement (data-modifying CTEs), so a batch costs one round trip to write.
 */
export async function saveBook(
  tx: Db,
  orgId: string,
  before: LedgerBook,
  after: LedgerBook,
  details: GrantDetails = new Map(),
): Promise<void> {
  const now = after.now;
  const steps: RawBuilder<unknown>[] = [];
  const newIds = new Set(after.newGrants.map((grant) => grant.id));
  if (after.newGrants.length > 0) {
    // Rows go in creation order: the identity column numbers them in the order of the VALUES list.
    assertInvariant(
      after.newGrants.every((grant, index) => index === 0 || grant.creationOrder > after.newGrants[index - 1]!.creationOrder),
      'new grants are written in their creation order',
    );
    const rows = after.newGrants.map((grant) => {
      const detail = details.get(grant.id);
      const remaining = after.grants.find((live) => live.id === grant.id)?.remainingCredits ?? grant.remainingCredits;
      return sql`(${orgId}, ${grant.id}, ${grant.bucket}, ${detail?.reason ?? 'grant'}, ${grant.grantedCredits}::bigint, ${remaining}::bigint,
        ${grant.expiresAt}::timestamptz, ${detail?.periodStart ?? null}::timestamptz, ${detail?.note ?? null}, ${grant.createdAt}::timestamptz)`;
    });
    steps.push(sql`new_grants AS (
      INSERT INTO grants (org_id, grant_id, bucket, reason, granted_credits, remaining_credits, expires_at, period_start, note, created_at)
      VALUES ${sql.join(rows)} RETURNING 1)`);
  }
  const previous = new Map(before.grants.map((grant) => [grant.id, grant.remainingCredits]));
  const drawn = after.grants.filter((grant) => !newIds.has(grant.id) && previous.get(grant.id) !== grant.remainingCredits);
  if (drawn.length > 0) {
    const values = sql.join(drawn.map((grant) => sql`(${grant.id}::text, ${grant.remainingCredits}::bigint)`));
    steps.push(sql`drawn AS (
      UPDATE grants SET remaining_credits = d.remaining FROM (VALUES ${values}) AS d (grant_id, remaining)
      WHERE grants.org_id = ${orgId} AND grants.grant_id = d.grant_id RETURNING 1)`);
  }
  if (after.closedHolds.length > 0) {
    const values = sql.join(after.closedHolds.map((hold) => sql`(${hold.id}::text, ${hold.closing}::text)`));
    steps.push(sql`closed AS (
      UPDATE holds SET status = c.status, closed_at = ${now} FROM (VALUES ${values}) AS c (hold_id, status)
      WHERE holds.org_id = ${orgId} AND holds.hold_id = c.hold_id AND holds.status = 'active' RETURNING 1)`);
  }
  if (after.entries.length > 0) {
    // One array per column (unnest), so the statement's size does not grow with the batch.
    const column = <T>(value: (entry: (typeof after.entries)[number]) => T) => after.entries.map(value);
    steps.push(sql`entries AS (
      INSERT INTO ledger_entries (org_id, created_at, kind, reason, account, credits, grant_id, hold_id, usage_id, period_start, limit_credits, note)
      SELECT ${orgId}, ${now}::timestamptz, * FROM unnest(${column((entry) => entry.kind)}::text[], ${column((entry) => entry.reason)}::text[],
        ${column((entry) => entry.account)}::text[], ${column((entry) => entry.credits)}::bigint[], ${column((entry) => entry.grantId ?? null)}::text[],
        ${column((entry) => entry.holdId ?? null)}::text[], ${column((entry) => entry.usageId ?? null)}::text[],
        ${column((entry) => entry.periodStart ?? null)}::timestamptz[], ${column((entry) => entry.limitCredits ?? null)}::bigint[],
        ${column((entry) => entry.note ?? null)}::text[])
      RETURNING 1)`);
  }
  await sql`
    ${steps.length > 0 ? sql`WITH ${sql.join(steps)}` : sql``}
    UPDATE org_balances SET
      plan_credits = ${bucketCredits(after, 'plan')}, purchased_credits = ${bucketCredits(after, 'purchased')},
      promotional_credits = ${bucketCredits(after, 'promotional')}, held_credits = ${heldCredits(after)},
      overage_used_credits = ${after.overage.usedCredits}, overage_period_start = ${after.overage.periodStart}, updated_at = ${now}
    WHERE org_id = ${orgId}`.execute(tx);
}
