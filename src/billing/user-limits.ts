import type { Db } from '../db/database.js';
import { findOrg } from '../db/orgs.js';
import { memberUsageRows, readUserLimitRows, replaceUserLimits } from '../db/user-limits.js';
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
  const { settings, overrides } = await readUserLimitRows(db, orgId);
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
    await replaceUserLimits(tx, { orgId, defaultCredits: limits.default_monthly_credits, overrides: entries, set, now: book.now });
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
  const rows = await memberUsageRows(deps.db, { orgId, periodStart, onlyUserId });
  const fallback = view.settings.user_limit_default_credits === null ? null : Number(view.settings.user_limit_default_credits);
  return rows.map((row) => ({
    user_id: row.user_id,
    user_name: row.user_name,
    credits_this_period: Number(row.credits),
    monthly_limit_credits: row.has_override ? (row.override === null ? null : Number(row.override)) : fallback,
  }));
}
