import { sql, type RawBuilder } from 'kysely';
import type { Db } from './database.js';
import { actionContains, type UsageFilter } from './usage.js';

/**
 * Usage totals for charts and summaries. Buckets are UTC days or ISO weeks (Monday 00:00 UTC),
 * exactly as PostgreSQL's date_trunc cuts them; bucketStarts below is its twin for zero-filling.
 */

export const TREND_INTERVALS = ['day', 'week'] as const;
export type TrendInterval = (typeof TREND_INTERVALS)[number];

export const TREND_GROUPS = ['feature', 'user', 'action'] as const;
export type TrendGroup = (typeof TREND_GROUPS)[number];

/** Widest range one request may chart: a leap year of days, two years of weeks. */
export const MAX_BUCKETS: Readonly<Record<TrendInterval, number>> = { day: 366, week: 105 };

/** Most named series one chart gets; the rest are summed into one remainder series (key null). */
export const MAX_SERIES = 50;

/** Most rows a top-N list may hold. */
export const MAX_TOP = 50;

const DAY_MS = 86_400_000;
const STEP_MS: Readonly<Record<TrendInterval, number>> = { day: DAY_MS, week: 7 * DAY_MS };

export interface UsageTotals {
  readonly credits: number;
  readonly charged: number;
  readonly uncollected: number;
  readonly tokens: number;
  readonly requests: number;
}

export interface TrendRow extends UsageTotals {
  readonly bucketStart: Date;
  /** null = the remainder: every group beyond the top MAX_SERIES. */
  readonly key: string | null;
}

export interface TrendGroupRow {
  readonly key: string;
  /** The user's name (latest one reported) for user groups, the key itself otherwise. */
  readonly label: string;
  readonly credits: number;
}

/** The JavaScript twin of date_trunc(interval, t AT TIME ZONE 'UTC'). */
export function bucketStart(at: Date, interval: TrendInterval): Date {
  const day = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate());
  if (interval === 'day') return new Date(day);
  const daysSinceMonday = (at.getUTCDay() + 6) % 7;
  return new Date(day - daysSinceMonday * DAY_MS);
}

/**
 * The start of every bucket that overlaps [from, to), oldest first; null when there would be more
 * than MAX_BUCKETS (the caller refuses the range). The first bucket may start before `from`.
 */
export function bucketStarts(from: Date, to: Date, interval: TrendInterval): Date[] | null {
  const starts: Date[] = [];
  if (from.getTime() >= to.getTime()) return starts;
  for (let start = bucketStart(from, interval).getTime(); start < to.getTime(); start += STEP_MS[interval]) {
    if (starts.length === MAX_BUCKETS[interval]) return null;
    starts.push(new Date(start));
  }
  return starts;
}

function groupColumn(group: TrendGroup): 'feature' | 'user_id' | 'action' {
  return group === 'user' ? 'user_id' : group;
}

function filtered(db: Db, filter: UsageFilter) {
  let query = db.selectFrom('usage_records').where('org_id', '=', filter.orgId);
  if (filter.from) query = query.where('occurred_at', '>=', filter.from);
  if (filter.to) query = query.where('occurred_at', '<', filter.to);
  if (filter.userId !== undefined) query = query.where('user_id', '=', filter.userId);
  if (filter.feature !== undefined) query = query.where('feature', '=', filter.feature);
  if (filter.action !== undefined) query = query.where('action', 'ilike', actionContains(filter.action));
  return query;
}

// sum(bigint) is numeric in PostgreSQL; the cast brings it back to int8, which database.ts reads exactly.
const sums = {
  credits: sql<number>`coalesce(sum(credits), 0)::bigint`.as('credits'),
  charged: sql<number>`coalesce(sum(charged_credits), 0)::bigint`.as('charged'),
  uncollected: sql<number>`coalesce(sum(uncollected_credits), 0)::bigint`.as('uncollected'),
  tokens: sql<number>`coalesce(sum(tokens), 0)::bigint`.as('tokens'),
  requests: sql<number>`count(*)`.as('requests'),
};

export async function usageTotals(db: Db, filter: UsageFilter): Promise<UsageTotals> {
  return filtered(db, filter).select([sums.credits, sums.charged, sums.uncollected, sums.tokens, sums.requests]).executeTakeFirstOrThrow();
}

/** Groups by credits, largest first (ties by key), at most `limit` of them. */
export async function trendGroups(db: Db, filter: UsageFilter, group: TrendGroup, limit: number): Promise<TrendGroupRow[]> {
  const column = groupColumn(group);
  const label: RawBuilder<string> =
    group === 'user'
      ? sql<string>`coalesce((array_agg(user_name ORDER BY occurred_at DESC, usage_id DESC) FILTER (WHERE user_name IS NOT NULL))[1], user_id)`
      : sql<string>`${sql.ref(column)}`;
  return filtered(db, filter)
    .select([sql.ref<string>(column).as('key'), label.as('label'), sums.credits])
    .groupBy(column)
    .orderBy('credits', 'desc')
    .orderBy(column)
    .limit(limit)
    .execute();
}

/**
 * Sums per bucket and group. Groups outside `named` (when given) fold into key null, so the rows
 * stay bounded by buckets × (named + 1) whatever the number of users.
 */
export async function trendRows(
  db: Db,
  query: { filter: UsageFilter; interval: TrendInterval; group: TrendGroup; named: readonly string[] | null },
): Promise<TrendRow[]> {
  const column = sql.ref(groupColumn(query.group));
  const key = query.named === null ? sql<string | null>`${column}` : sql<string | null>`CASE WHEN ${column} = ANY(${[...query.named]}::text[]) THEN ${column} END`;
  const bucket = sql<Date>`date_trunc(${query.interval}, occurred_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'`;
  const rows = await filtered(db, query.filter)
    .select([bucket.as('bucket_start'), key.as('key'), sums.credits, sums.charged, sums.uncollected, sums.tokens, sums.requests])
    .groupBy([sql`1`, sql`2`])
    .orderBy(sql`1`)
    .execute();
  return rows.map(({ bucket_start: start, ...rest }) => ({ bucketStart: start, ...rest }));
}

export interface TopUserRow {
  readonly user_id: string;
  readonly user_name: string | null;
  readonly credits: number;
  readonly requests: number;
}

export interface TopFeatureRow {
  readonly feature: string;
  readonly credits: number;
  readonly requests: number;
}

export async function topUsers(db: Db, filter: UsageFilter, limit: number): Promise<TopUserRow[]> {
  return filtered(db, filter)
    .select([
      'user_id',
      sql<string | null>`(array_agg(user_name ORDER BY occurred_at DESC, usage_id DESC) FILTER (WHERE user_name IS NOT NULL))[1]`.as('user_name'),
      sums.credits,
      sums.requests,
    ])
    .groupBy('user_id')
    .orderBy('credits', 'desc')
    .orderBy('user_id')
    .limit(Math.min(limit, MAX_TOP))
    .execute();
}

export async function topFeatures(db: Db, filter: UsageFilter, limit: number): Promise<TopFeatureRow[]> {
  return filtered(db, filter)
    .select(['feature', sums.credits, sums.requests])
    .groupBy('feature')
    .orderBy('credits', 'desc')
    .orderBy('feature')
    .limit(Math.min(limit, MAX_TOP))
    .execute();
}

/**
 * Credits of the org's usage in each of the `days` 24-hour slots before `now`, most recent first
 * (slot 0 = the last 24 hours). Usage reported slightly ahead of the clock counts in slot 0.
 */
export async function recentDailyCredits(db: Db, orgId: string, now: Date, days: number): Promise<number[]> {
  const since = new Date(now.getTime() - days * DAY_MS);
  const slot = sql<number>`least(${days - 1}::int, greatest(0, floor(extract(epoch from (${now}::timestamptz - occurred_at)) / 86400)::int))`;
  const rows = await filtered(db, { orgId, from: since })
    .select([slot.as('slot'), sums.credits])
    .groupBy(sql`1`)
    .execute();
  const credits = Array.from({ length: days }, () => 0);
  for (const row of rows) credits[row.slot] = (credits[row.slot] ?? 0) + row.credits;
  return credits;
}
