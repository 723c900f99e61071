import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import { findOrg } from '../db/orgs.js';
import { Failure, invalidFields } from '../domain/failures.js';
import type { BillingDeps } from './deps.js';
import { withOrgLedger } from './org-ledger.js';
import { recordAudit } from '../audit/record-audit.js';

/** Most per-user overrides one org may keep (each is a row the settings answer lists). */
export const MAX_USER_LIMIT_OVERRIDES = 10_000;

/** API.md: `{default_monthly_credits: n|null, overrides: {user_id: n|null}}`; null = no limit. */
export interface UserLimits {
  readonly default_monthly_credits: number | null;
  readonly overrides: Readonly<Record<string, number | null>>;
}

async function readUserLimits(db: Db, orgId: string): Promise<UserLimits> {
  const [settings, overrides] = await Promise.all([
    db.selectFrom('org_settings').select('user_limit_default_credits').where('org_id', '=', orgId).executeTakeFirst(),
    db.selectFrom('user_limit_overrides').select(['user_id', 'monthly_credits']).where('org_id', '=', orgId).orderBy('user_id').execute(),
  ]);
  if (!settings) throw new Failure('ORG_NOT_FOUND', `There is no organization ${orgId}.`);
  return {
    default_monthly_credits: settings.user_limit_default_credits === null ? null : Number(settings.user_limit_default_credits),
    overrides: Object.fromEntries(overrides.map((row) => [row.user_id, row.monthly_credits === null ? null : Number(row.monthly_credits)])),
  };
}

export async function getUserLimits(deps: BillingDeps, orgId: string): Promise<UserLimits> {
  return readUserLimits(deps.db, orgId);
}

/**
 * Replaces the org's per-member limits (the default and the whole set of overrides), under the org's
 * ledger lock: an authorize in flight sees the old limits or the new ones, never a mix.
 */
export async function setUserLimits(deps: BillingDeps, orgId: string, limits: UserLimits): Promise<UserLimits> {
  const entries = Object.entries(limits.overrides);
  if (entries.length > MAX_USER_LIMIT_OVERRIDES) throw invalidFields({ overrides: [`may name at most ${MAX_USER_LIMIT_OVERRIDES.toLocaleString('en-US')} users`] });
  return withOrgLedger(deps, orgId, async ({ tx, book }) => {
    const before = await readUserLimits(tx, orgId);
    const set = limits.default_monthly_credits !== null || entries.length > 0;
    await tx
      .updateTable('org_settings')
      .set({ user_limit_default_credits: limits.default_monthly_credits, user_limits_set: set, updated_at: book.now })
      .where('org_id', '=', orgId)
      .execute();
    await tx.deleteFrom('user_limit_overrides').where('org_id', '=', orgId).execute();
    if (entries.length > 0) {
      await tx
        .insertInto('user_limit_overrides')
        .values(entries.map(([userId, credits]) => ({ org_id: orgId, user_id: userId, monthly_credits: credits, updated_at: book.now })))
        .execute();
    }
    const after = await readUserLimits(tx, orgId);
    await recordAudit(tx, { orgId, action: 'user_limits.updated', target: 'user-limits', before, after, now: book.now });
    return { book, result: after };
  });
}

export interface MemberUsage {
  readonly user_id: string;
  readonly user_name: string | null;
  readonly credits_this_period: number;
  readonly monthly_limit_credits: number | null;
}

/**
 * Each user's credits this period (usage recorded since the period start, as the limit counts them)
 * and their limit: every user who used credits this period or has an override, most credits first.
 * `onlyUserId`: a member sees their own line alone.
 */
export async function listMemberUsage(deps: BillingDeps, orgId: string, onlyUserId?: string): Promise<MemberUsage[]> {
  const view = await findOrg(deps.db, orgId);
  if (!view) throw new Failure('ORG_NOT_FOUND', `There is no organization ${orgId}.`);
  const periodStart = view.subscription.current_period_start;
  const { rows } = await sql<{ user_id: string; user_name: string | null; credits: string; has_override: boolean; override: string | null }>`
    WITH used AS (
      SELECT user_id, sum(credits) AS credits,
        (array_agg(user_name ORDER BY recorded_at DESC) FILTER (WHERE user_name IS NOT NULL))[1] AS user_name
      FROM usage_records WHERE org_id = ${orgId} AND recorded_at >= ${periodStart}
      GROUP BY user_id)
    SELECT coalesce(u.user_id, o.user_id) AS user_id, u.user_name, coalesce(u.credits, 0) AS credits,
      o.user_id IS NOT NULL AS has_override, o.monthly_credits AS override
    FROM used u FULL JOIN (SELECT * FROM user_limit_overrides WHERE org_id = ${orgId}) o ON o.user_id = u.user_id
    WHERE ${onlyUserId ?? null}::text IS NULL OR coalesce(u.user_id, o.user_id) = ${onlyUserId ?? null}
    ORDER BY coalesce(u.credits, 0) DESC, 1`.execute(deps.db);
  const fallback = view.settings.user_limit_default_credits === null ? null : Number(view.settings.user_limit_default_credits);
  return rows.map((row) => ({
    user_id: row.user_id,
    user_name: row.user_name,
    credits_this_period: Number(row.credits),
    monthly_limit_credits: row.has_override ? (row.override === null ? null : Number(row.override)) : fallback,
  }));
}
