import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { BillingDeps } from '../../billing/deps.js';
import { getBalance } from '../../billing/get-balance.js';
import { forecastForOrg } from '../../billing/usage-forecast.js';
import { findOrg } from '../../db/orgs.js';
import {
  bucketStarts,
  MAX_BUCKETS,
  MAX_SERIES,
  MAX_TOP,
  topFeatures,
  topUsers,
  TREND_GROUPS,
  TREND_INTERVALS,
  trendGroups,
  trendRows,
  usageTotals,
  type TrendGroup,
  type TrendInterval,
  type TrendRow,
} from '../../db/usage-analytics.js';
import type { UsageFilter } from '../../db/usage.js';
import { assertInvariant } from '../../domain/assert.js';
import { Failure, invalidFields } from '../../domain/failures.js';
import { Identifier, OrgParams, StringEnum, Timestamp, problems } from '../schemas.js';

const Count = Type.Integer({ minimum: 0 });

const TrendsQuery = Type.Object(
  {
    from: Type.Optional(Timestamp),
    to: Type.Optional(Timestamp),
    interval: Type.Optional(StringEnum(TREND_INTERVALS, { description: 'UTC days, or ISO weeks starting Monday 00:00 UTC (default day)' })),
    group_by: Type.Optional(StringEnum(TREND_GROUPS, { description: 'default feature' })),
    user_id: Type.Optional(Identifier()),
    feature: Type.Optional(Identifier(40)),
    action: Type.Optional(Identifier()),
  },
  { additionalProperties: false },
);

const TrendPoint = Type.Object({ start: Timestamp, credits: Count, charged: Count, tokens: Count, requests: Count });

const TrendSeries = Type.Object({
  key: Type.Union([Type.String(), Type.Null()], { description: `the feature, user id or action; null = every group beyond the top ${MAX_SERIES}, summed` }),
  label: Type.String(),
  points: Type.Array(TrendPoint, { description: 'every bucket in the range, oldest first, zeros included' }),
});

const TrendsResponse = Type.Object({
  interval: StringEnum(TREND_INTERVALS),
  group_by: StringEnum(TREND_GROUPS),
  from: Timestamp,
  to: Timestamp,
  series: Type.Array(TrendSeries, { description: 'largest total credits first' }),
  totals: Type.Object({ credits: Count, charged: Count, tokens: Count, requests: Count }),
});

const SummaryResponse = Type.Object({
  period: Type.Object({ start: Timestamp, end: Timestamp }),
  totals: Type.Object({ credits: Count, charged: Count, uncollected: Count, tokens: Count, requests: Count }),
  top_users: Type.Array(Type.Object({ user_id: Type.String(), user_name: Type.Union([Type.String(), Type.Null()]), credits: Count, requests: Count })),
  top_features: Type.Array(Type.Object({ feature: Type.String(), credits: Count, requests: Count })),
  forecast: Type.Object({
    daily_burn_credits: Count,
    plan_credits_last_until: Type.Union([Timestamp, Type.Null()], { description: 'When this period’s plan credits are gone at the current rate; never later than the period end, when they expire. Null when nothing was used in the last 7 days.' }),
    plan_credits_outlast_period: Type.Boolean({ description: 'At the current rate the plan credits would last past the period end: they expire and renew first.' }),
    prepaid_credits_last_until: Type.Union([Timestamp, Type.Null()], { description: 'When every prepaid credit is gone, counting the plan credits each coming period brings. Null when nothing burns or they never run out at this rate.' }),
    runs_out_before_period_end: Type.Boolean(),
  }),
});

/**
 * Members see only their own usage; admins and the platform key see everyone's. Mirrors filterFor
 * in routes/usage.ts (not exported there), so that trends and the history always agree.
 */
function ownUserId(request: FastifyRequest): string | undefined {
  const principal = request.principal;
  return request.orgRole === 'member' && principal?.kind === 'user' ? principal.userId : undefined;
}

/** The range asked for; a missing bound is the current billing period's. */
async function rangeFor(deps: BillingDeps, orgId: string, query: { from?: string; to?: string }): Promise<{ from: Date; to: Date }> {
  let period: { from: Date; to: Date } | undefined;
  if (query.from === undefined || query.to === undefined) {
    const found = await findOrg(deps.db, orgId);
    if (!found) throw new Failure('ORG_NOT_FOUND', `There is no organization ${orgId}.`);
    period = { from: found.subscription.current_period_start, to: found.subscription.current_period_end };
  }
  const from = query.from === undefined ? period!.from : new Date(query.from);
  const to = query.to === undefined ? period!.to : new Date(query.to);
  if (from.getTime() > to.getTime()) throw invalidFields({ to: ['must not be before from'] });
  return { from, to };
}

type Sums = { credits: number; charged: number; tokens: number; requests: number };
const ZERO: Sums = { credits: 0, charged: 0, tokens: 0, requests: 0 };

function addSums(left: Sums, right: Sums): Sums {
  return { credits: left.credits + right.credits, charged: left.charged + right.charged, tokens: left.tokens + right.tokens, requests: left.requests + right.requests };
}

/**
 * One series per group, each with a point for every bucket so that charts need no gap-filling. A row
 * in a bucket outside the range would be dropped here; the caller's totals check catches that.
 */
function buildSeries(starts: readonly Date[], groups: readonly { key: string | null; label: string }[], rows: readonly TrendRow[]) {
  const byGroup = new Map<string | null, Map<number, Sums>>(groups.map((group) => [group.key, new Map()]));
  for (const row of rows) {
    const buckets = byGroup.get(row.key);
    assertInvariant(buckets !== undefined, `a trend row for a group that was not listed: ${row.key}`);
    const start = row.bucketStart.getTime();
    buckets.set(start, addSums(buckets.get(start) ?? ZERO, row));
  }
  return groups.map((group) => {
    const buckets = byGroup.get(group.key)!;
    const points = starts.map((start) => ({ start: start.toISOString(), ...(buckets.get(start.getTime()) ?? ZERO) }));
    return { key: group.key, label: group.label, points };
  });
}

export const analyticsRoutes = (deps: BillingDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get('/v1/orgs/:org/usage/trends', {
      config: { access: 'org-member' },
      schema: {
        tags: ['usage'],
        summary: 'Credits and tokens per day or week, grouped by feature, user or action (default: the current period)',
        description:
          `from is inclusive, to exclusive; either defaults to the current billing period's bound. At most ${MAX_BUCKETS.day} days ` +
          `or ${MAX_BUCKETS.week} weeks per request. Every bucket that overlaps the range has a point (zeros included); ` +
          `a point counts only usage within [from, to), so the first and last may be partial. Members see only their own usage.`,
        params: OrgParams,
        querystring: TrendsQuery,
        response: { 200: TrendsResponse, ...problems(401, 404, 422) },
      },
      handler: async (request) => {
        const orgId = request.params.org;
        const query = request.query;
        const interval: TrendInterval = query.interval ?? 'day';
        const groupBy: TrendGroup = query.group_by ?? 'feature';
        const { from, to } = await rangeFor(deps, orgId, query);
        const starts = bucketStarts(from, to, interval);
        if (starts === null) {
          const wide = `from and to span more than ${MAX_BUCKETS[interval]} ${interval}s; narrow the range`;
          throw invalidFields({ from: [wide], to: [wide] });
        }
        const filter: UsageFilter = { orgId, from, to, userId: ownUserId(request) ?? query.user_id, feature: query.feature, action: query.action };
        const ranked = await trendGroups(deps.db, filter, groupBy, MAX_SERIES + 1);
        const overflow = ranked.length > MAX_SERIES;
        const named = ranked.slice(0, MAX_SERIES);
        const [rows, totals] = await Promise.all([
          trendRows(deps.db, { filter, interval, group: groupBy, named: overflow ? named.map((group) => group.key) : null }),
          usageTotals(deps.db, filter),
        ]);
        const groups: { key: string | null; label: string }[] = [...named, ...(overflow ? [{ key: null, label: 'Others' }] : [])];
        const series = buildSeries(starts, groups, rows);
        const summed = series.flatMap((one) => one.points).reduce(addSums, ZERO);
        const expected = { credits: totals.credits, charged: totals.charged, tokens: totals.tokens, requests: totals.requests };
        assertInvariant(JSON.stringify(summed) === JSON.stringify(expected), `trend series ${JSON.stringify(summed)} do not sum to the totals ${JSON.stringify(expected)}`);
        return { interval, group_by: groupBy, from: from.toISOString(), to: to.toISOString(), series, totals: expected };
      },
    });

    app.get('/v1/orgs/:org/usage/summary', {
      config: { access: 'org-member' },
      schema: {
        tags: ['usage'],
        summary: "The current period's usage totals, top users and features, and a burn-rate forecast",
        description:
          "Members get their own totals and only themselves among the top users; the forecast is the org's, since credits are shared. " +
          "The burn rate is the org's credits over the last 7 × 24 hours ÷ 7, rounded up.",
        params: OrgParams,
        querystring: Type.Object({ top: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_TOP, default: 5 })) }, { additionalProperties: false }),
        response: { 200: SummaryResponse, ...problems(401, 404, 422) },
      },
      handler: async (request) => {
        const orgId = request.params.org;
        const top = request.query.top ?? 5;
        const balance = await getBalance(deps, orgId);
        const filter: UsageFilter = { orgId, from: new Date(balance.period.start), to: new Date(balance.period.end), userId: ownUserId(request) };
        const [totals, users, features, forecast] = await Promise.all([
          usageTotals(deps.db, filter),
          topUsers(deps.db, filter, top),
          topFeatures(deps.db, filter, top),
          forecastForOrg(deps, orgId, balance),
        ]);
        assertInvariant(totals.charged + totals.uncollected === totals.credits, 'charged + uncollected must equal credits');
        return { period: balance.period, totals, top_users: users, top_features: features, forecast };
      },
    });
  };
