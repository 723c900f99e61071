import { sql } from 'kysely';
import type { Db } from './database.js';

/** The org's default per-member limit (settings undefined: no such org) and its overrides by user id. */
export async function readUserLimitRows(db: Db, orgId: string) {
  const [settings, overrides] = await Promise.all([
    db.selectFrom('org_settings').select('user_limit_default_credits').where('org_id', '=', orgId).executeTakeFirst(),
    db.selectFrom('user_limit_overrides').select(['user_id', 'monthly_credits']).where('org_id', '=', orgId).orderBy('user_id').execute(),
  ]);
  return { settings, overrides };
}

/** Replaces the default and the whole set of overrides; `set` records whether any limit applies. */
export async function replaceUserLimits(
  tx: Db,
  input: { orgId: string; defaultCredits: number | null; overrides: readonly (readonly [string, number | null])[]; set: boolean; now: Date },
): Promise<void> {
  await tx
    .updateTable('org_settings')
    .set({ user_limit_default_credits: input.defaultCredits, user_limits_set: input.set, updated_at: input.now })
    .where('org_id', '=', input.orgId)
    .execute();
  await tx.deleteFrom('user_limit_overrides').where('org_id', '=', input.orgId).execute();
  if (input.overrides.length > 0) {
    await tx
      .insertInto('user_limit_overrides')
      .values(input.overrides.map(([userId, credits]) => ({ org_id: input.orgId, user_id: userId, monthly_credits: credits, updated_at: input.now })))
      .execute();
  }
}

export interface MemberUsageRow {
  readonly user_id: string;
  readonly user_name: string | null;
  readonly credits: string;
  readonly has_override: boolean;
  readonly override: string | null;
}

/**
 * Each user's credits since `periodStart` with their override, if any: every user who used credits
 * since then or has an override, most credits first. `onlyUserId` narrows it to one user.
 */
export async function memberUsageRows(db: Db, input: { orgId: string; periodStart: Date; onlyUserId: string | undefined }): Promise<MemberUsageRow[]> {
  const { orgId, periodStart, onlyUserId } = input;
  const { rows } = await sql<MemberUsageRow>`
    WITH used AS (
      SELECT user_id, sum(credits) AS credits,
        (array_agg(user_name ORDER BY recorded_at DESC) FILTER (WHERE user_name IS NOT NULL))[1] AS user_name
      FROM usage_records WHERE org_id = ${orgId} AND recorded_at >= ${periodStart}
      GROUP BY user_id)
    SELECT coalesce(u.user_id, o.user_id) AS user_id, u.user_name, coalesce(u.credits, 0) AS credits,
      o.user_id IS NOT NULL AS has_override, o.monthly_credits AS override
    FROM used u FULL JOIN (SELECT * FROM user_limit_overrides WHERE org_id = ${orgId}) o ON o.user_id = u.user_id
    WHERE ${onlyUserId ?? null}::text IS NULL OR coalesce(u.user_id, o.user_id) = ${onlyUserId ?? null}
    ORDER BY coalesce(u.credits, 0) DESC, 1`.execute(db);
  return rows;
}
