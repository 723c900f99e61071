import { sql } from 'kysely';
import type { Db } from './database.js';
import type { ContractTerms, NewLedgerEntry, OrgRow, OrgSettingsRow, SubscriptionRow } from './schema.js';
import type { Grant, Hold, LedgerBook } from '../domain/ledger.js';
import { bucketCredits, heldCredits } from '../domain/ledger.js';

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

export function lockBook(tx: Db, orgId: string, now: Date): Promise<LockedOrg | undefined> {
  return readBook(tx, orgId, now, true);
}

/**
 * The same without the lock, for reads. `workDue` says whether a period end, a grant expiry or a
 * hold expiry has passed that no transaction has applied yet (the read must then run maintenance).
 */
export async function loadBook(db: Db, orgId: string, now: Date): Promise<(LockedOrg & { workDue: boolean }) | undefined> {
  const loaded = await readBook(db, orgId, now, false);
  if (!loaded) return undefined;
  const passed = (at: Date | null) => at !== null && at.getTime() <= now.getTime();
  const workDue =
    (loaded.subscription.status !== 'canceled' && passed(loaded.subscription.current_period_end)) ||
    loaded.book.grants.some((grant) => passed(grant.expiresAt)) ||
    loaded.book.holds.some((hold) => passed(hold.expiresAt));
  return { ...loaded, workDue };
}

/** Sum of the plan credits granted for the period ending at `periodEnd` (period grant and upgrades). */
export async function currentPlanGrants(db: Db, orgId: string, periodEnd: Date): Promise<{ granted: number }> {
  const row = await db
    .selectFrom('grants')
    .select(sql<number>`coalesce(sum(granted_credits), 0)::bigint`.as('granted'))
    .where('org_id', '=', orgId)
    .where('bucket', '=', 'plan')
    .where('expires_at', '=', periodEnd)
    .executeTakeFirstOrThrow();
  return { granted: row.granted };
}

async function readBook(tx: Db, orgId: string, now: Date, lock: boolean): Promise<LockedOrg | undefined> {
  const balanceQuery = tx.selectFrom('org_balances').selectAll().where('org_id', '=', orgId);
  const balance = await (lock ? balanceQuery.forUpdate() : balanceQuery).executeTakeFirst();
  if (!balance) return undefined;
  const [org, contract, subscription, settings, grants, holds] = await Promise.all([
    tx.selectFrom('orgs').selectAll().where('org_id', '=', orgId).executeTakeFirstOrThrow(),
    tx.selectFrom('contracts').select('terms').where('org_id', '=', orgId).executeTakeFirst(),
    tx.selectFrom('subscriptions').selectAll().where('org_id', '=', orgId).executeTakeFirstOrThrow(),
    tx.selectFrom('org_settings').selectAll().where('org_id', '=', orgId).executeTakeFirstOrThrow(),
    tx
      .selectFrom('grants')
      .select(['grant_id', 'bucket', 'granted_credits', 'remaining_credits', 'expires_at', 'created_at'])
      .where('org_id', '=', orgId)
      .where('remaining_credits', '>', 0)
      .execute(),
    tx
      .selectFrom('holds')
      .select(['hold_id', 'credits', 'expires_at'])
      .where('org_id', '=', orgId)
      .where('status', '=', 'active')
      .execute(),
  ]);
  const book: LedgerBook = {
    now,
    grants: grants.map(
      (row): Grant => ({
        id: row.grant_id,
        bucket: row.bucket,
        grantedCredits: row.granted_credits,
        remainingCredits: row.remaining_credits,
        expiresAt: row.expires_at,
        createdAt: row.created_at,
      }),
    ),
    holds: holds.map((row): Hold => ({ id: row.hold_id, credits: row.credits, expiresAt: row.expires_at })),
    overage: {
      enabled: settings.on_demand_enabled,
      limitCredits: settings.monthly_limit_credits,
      usedCredits: balance.overage_used_credits,
      periodStart: balance.overage_period_start,
    },
    newGrants: [],
    closedHolds: [],
    entries: [],
  };
  return { org, contract: contract?.terms ?? null, subscription, settings, book };
}

/** Grant metadata the book does not carry, keyed by grant id. */
export type GrantDetails = ReadonlyMap<string, { reason: string; periodStart?: Date | null; note?: string | null }>;

/** Writes what a computation changed: new and drawn grants, closed holds, entries, the cached totals. */
export async function saveBook(
  tx: Db,
  orgId: string,
  before: LedgerBook,
  after: LedgerBook,
  details: GrantDetails = new Map(),
): Promise<void> {
  const now = after.now;
  const newIds = new Set(after.newGrants.map((grant) => grant.id));
  if (after.newGrants.length > 0) {
    await tx
      .insertInto('grants')
      .values(
        after.newGrants.map((grant) => ({
          org_id: orgId,
          grant_id: grant.id,
          bucket: grant.bucket,
          reason: details.get(grant.id)?.reason ?? 'grant',
          granted_credits: grant.grantedCredits,
          remaining_credits: after.grants.find((live) => live.id === grant.id)?.remainingCredits ?? grant.remainingCredits,
          expires_at: grant.expiresAt,
          period_start: details.get(grant.id)?.periodStart ?? null,
          note: details.get(grant.id)?.note ?? null,
          created_at: grant.createdAt,
        })),
      )
      .execute();
  }
  const previous = new Map(before.grants.map((grant) => [grant.id, grant.remainingCredits]));
  const drawn = after.grants.filter((grant) => !newIds.has(grant.id) && previous.get(grant.id) !== grant.remainingCredits);
  if (drawn.length > 0) {
    const values = sql.join(drawn.map((grant) => sql`(${grant.id}::text, ${grant.remainingCredits}::bigint)`));
    await sql`
      UPDATE grants SET remaining_credits = drawn.remaining
      FROM (VALUES ${values}) AS drawn (grant_id, remaining)
      WHERE grants.org_id = ${orgId} AND grants.grant_id = drawn.grant_id`.execute(tx);
  }
  for (const closing of ['settled', 'released', 'expired'] as const) {
    const ids = after.closedHolds.filter((hold) => hold.closing === closing).map((hold) => hold.id);
    if (ids.length === 0) continue;
    await tx
      .updateTable('holds')
      .set({ status: closing, closed_at: now })
      .where('org_id', '=', orgId)
      .where('hold_id', 'in', ids)
      .where('status', '=', 'active')
      .execute();
  }
  if (after.entries.length > 0) {
    await tx
      .insertInto('ledger_entries')
      .values(
        after.entries.map(
          (entry): NewLedgerEntry => ({
            org_id: orgId,
            created_at: now,
            kind: entry.kind,
            reason: entry.reason,
            account: entry.account,
            credits: entry.credits,
            grant_id: entry.grantId ?? null,
            hold_id: entry.holdId ?? null,
            usage_id: entry.usageId ?? null,
            period_start: entry.periodStart ?? null,
            limit_credits: entry.limitCredits ?? null,
            note: entry.note ?? null,
          }),
        ),
      )
      .execute();
  }
  await tx
    .updateTable('org_balances')
    .set({
      plan_credits: bucketCredits(after, 'plan'),
      purchased_credits: bucketCredits(after, 'purchased'),
      promotional_credits: bucketCredits(after, 'promotional'),
      held_credits: heldCredits(after),
      overage_used_credits: after.overage.usedCredits,
      overage_period_start: after.overage.periodStart,
      updated_at: now,
    })
    .where('org_id', '=', orgId)
    .execute();
}
