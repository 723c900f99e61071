import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness.js';
import { advance, balance, grantPurchased, leavePlanCredits } from './support/metering.js';

/**
 * GET /v1/orgs/{org}/usage/trends and /usage/summary. The rule that holds it together: trends sum
 * exactly to the usage history for the same filter, per bucket, per group and in total.
 */

const DAY_MS = 86_400_000;
const PERIOD_START = '2026-01-31T10:00:00.000Z';
const PERIOD_END = '2026-02-28T10:00:00.000Z';
const NOW = '2026-02-12T10:00:00.000Z';

interface Seed {
  user_id: string;
  user_name?: string;
  feature: string;
  action: string;
  tokens: number;
  occurred_at: string;
}

interface HistoryItem {
  occurred_at: string;
  user_id: string;
  feature: string;
  action: string;
  tokens: number;
  credits: number;
  charged: number;
}

interface Point {
  start: string;
  credits: number;
  charged: number;
  tokens: number;
  requests: number;
}

interface Trends {
  interval: 'day' | 'week';
  group_by: 'feature' | 'user' | 'action';
  from: string;
  to: string;
  series: { key: string | null; label: string; points: Point[] }[];
  totals: Omit<Point, 'start'>;
}

interface Summary {
  period: { start: string; end: string };
  totals: { credits: number; charged: number; uncollected: number; tokens: number; requests: number };
  top_users: { user_id: string; user_name: string | null; credits: number; requests: number }[];
  top_features: { feature: string; credits: number; requests: number }[];
  forecast: { daily_burn_credits: number; plan_credits_last_until: string | null; prepaid_credits_last_until: string | null; runs_out_before_period_end: boolean };
}

type Query = Record<string, string | number | undefined>;

let h: Harness;
let keySequence = 0;

function url(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const search = params.toString();
  return `${path}${search === '' ? '' : `?${search}`}`;
}

async function seed(org: string, seeds: readonly Seed[]): Promise<void> {
  for (const body of seeds) {
    keySequence += 1;
    const response = await h.api('POST', `/v1/orgs/${org}/ai/usage`, { idempotency_key: `analytics-${keySequence}`, ...body });
    expect(response.statusCode, response.body).toBe(201);
  }
}

async function trends(org: string, query: Query = {}, headers?: Record<string, string>): Promise<Trends> {
  const response = await h.api('GET', url(`/v1/orgs/${org}/usage/trends`, query), undefined, headers);
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as Trends;
}

async function summary(org: string, query: Query = {}, headers?: Record<string, string>): Promise<Summary> {
  const response = await h.api('GET', url(`/v1/orgs/${org}/usage/summary`, query), undefined, headers);
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as Summary;
}

async function history(org: string, query: Query, headers?: Record<string, string>): Promise<HistoryItem[]> {
  const response = await h.api('GET', url(`/v1/orgs/${org}/usage`, { ...query, limit: 500 }), undefined, headers);
  expect(response.statusCode, response.body).toBe(200);
  const page = response.json() as { items: HistoryItem[]; next_cursor: string | null };
  expect(page.next_cursor).toBeNull();
  return page.items;
}

/** UTC midnight, or the Monday 00:00 UTC of the ISO week. */
function bucketOf(iso: string, interval: 'day' | 'week'): string {
  const at = new Date(iso);
  const day = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate());
  const start = interval === 'day' ? day : day - ((at.getUTCDay() + 6) % 7) * DAY_MS;
  return new Date(start).toISOString();
}

function sumOf(items: readonly HistoryItem[]) {
  return {
    credits: items.reduce((sum, item) => sum + item.credits, 0),
    charged: items.reduce((sum, item) => sum + item.charged, 0),
    tokens: items.reduce((sum, item) => sum + item.tokens, 0),
    requests: items.length,
  };
}

function groupOf(item: HistoryItem, groupBy: Trends['group_by']): string {
  return groupBy === 'user' ? item.user_id : item[groupBy];
}

/** Every series, bucket and total of `answer` equals the history rows it covers; every bucket is there. */
function expectTrendsMatchHistory(answer: Trends, items: readonly HistoryItem[]) {
  expect(answer.totals).toEqual(sumOf(items));
  const step = answer.interval === 'day' ? DAY_MS : 7 * DAY_MS;
  const first = Date.parse(bucketOf(answer.from, answer.interval));
  const count = answer.from === answer.to ? 0 : Math.ceil((Date.parse(answer.to) - first) / step);
  const expectedStarts = Array.from({ length: count }, (_, index) => new Date(first + index * step).toISOString());
  expect(answer.series.map((series) => series.key).sort()).toEqual([...new Set(items.map((item) => groupOf(item, answer.group_by)))].sort());
  for (const series of answer.series) {
    expect(series.points.map((point) => point.start)).toEqual(expectedStarts);
    for (const point of series.points) {
      const inBucket = items.filter((item) => groupOf(item, answer.group_by) === series.key && bucketOf(item.occurred_at, answer.interval) === point.start);
      expect(point, `${series.key} ${point.start}`).toEqual({ start: point.start, ...sumOf(inBucket) });
    }
  }
  // Largest first.
  const credits = answer.series.map((series) => series.points.reduce((sum, point) => sum + point.credits, 0));
  expect(credits).toEqual([...credits].sort((left, right) => right - left));
}

const SEEDS: readonly Seed[] = [
  { user_id: 'u-alice', user_name: 'Alice Adams', feature: 'assistant', action: 'chat', tokens: 5_000, occurred_at: '2026-01-20T12:00:00.000Z' },
  { user_id: 'u-alice', user_name: 'Alice Adams', feature: 'assistant', action: 'chat', tokens: 1_500, occurred_at: '2026-01-31T11:00:00.000Z' },
  { user_id: 'u-bob', user_name: 'Bob Brown', feature: 'reports', action: 'summarize', tokens: 2_500, occurred_at: '2026-02-01T09:00:00.000Z' },
  { user_id: 'u-carol', feature: 'assistant', action: 'summarize', tokens: 0, occurred_at: '2026-02-01T23:59:59.999Z' },
  { user_id: 'u-alice', user_name: 'Alice Adams', feature: 'documents', action: 'chat', tokens: 12_000, occurred_at: '2026-02-02T00:00:00.000Z' },
  { user_id: 'u-alice', user_name: 'Alice Adams', feature: 'assistant', action: 'chat', tokens: 999, occurred_at: '2026-02-04T15:00:00.000Z' },
  { user_id: 'u-bob', user_name: 'Bob Brown', feature: 'assistant', action: 'chat', tokens: 4_000, occurred_at: '2026-02-08T23:00:00.000Z' },
  { user_id: 'u-bob', user_name: 'Bob Brown', feature: 'reports', action: 'chat', tokens: 1_001, occurred_at: '2026-02-09T00:00:00.000Z' },
  { user_id: 'u-carol', feature: 'documents', action: 'summarize', tokens: 7_000, occurred_at: '2026-02-11T08:00:00.000Z' },
  { user_id: 'u-alice', user_name: 'Alice Adams', feature: 'reports', action: 'chat', tokens: 3_000, occurred_at: '2026-02-12T09:00:00.000Z' },
];

let org: string;
let forecastOrg: string;
let memberOrg: string;
let crowdOrg: string;
let uncollectedOrg: string;

beforeAll(async () => {
  h = await startHarness();
  // Orgs are created at the clock start (2026-01-31T10:00Z), so their period is 31 Jan → 28 Feb.
  org = await h.createOrg();
  forecastOrg = await h.createOrg();
  memberOrg = await h.createOrg();
  crowdOrg = await h.createOrg({ plan: 'team' });
  uncollectedOrg = await h.createOrg();
  await advance(h, new Date(NOW));
  await seed(org, SEEDS);
});
afterAll(() => h.close());
afterEach(() => h.expectCleanAudit());

describe('trends sum to the usage history for the same filter', () => {
  const filters: [string, Query][] = [
    ['the current period (no from or to)', {}],
    ['a range reaching before the period', { from: '2026-01-01T00:00:00.000Z', to: '2026-02-13T00:00:00.000Z' }],
    ['from inclusive, to exclusive, mid-day bounds', { from: '2026-02-01T23:59:59.999Z', to: '2026-02-09T00:00:00.000Z' }],
    ['user_id', { user_id: 'u-alice' }],
    ['feature', { feature: 'assistant' }],
    ['action', { action: 'summarize' }],
    ['every filter combined', { user_id: 'u-bob', feature: 'reports', action: 'chat', from: '2026-01-01T00:00:00.000Z', to: '2026-03-01T00:00:00.000Z' }],
    ['a user with no usage', { user_id: 'u-nobody' }],
  ];
  const shapes = (['day', 'week'] as const).flatMap((interval) => (['feature', 'user', 'action'] as const).map((groupBy) => [interval, groupBy] as const));

  describe.each(shapes)('per %s, grouped by %s', (interval, groupBy) => {
    it.each(filters)('%s', async (_name, query) => {
      const answer = await trends(org, { ...query, interval, group_by: groupBy });
      expect(answer.interval).toBe(interval);
      expect(answer.group_by).toBe(groupBy);
      const { from = PERIOD_START, to = PERIOD_END, ...rest } = query;
      expect([answer.from, answer.to]).toEqual([from, to]);
      const items = await history(org, { ...rest, from, to });
      expectTrendsMatchHistory(answer, items);
    });
  });

  it('the filter cases are not trivial', async () => {
    for (const [name, query] of filters) {
      const { from = PERIOD_START, to = PERIOD_END, ...rest } = query;
      const count = (await history(org, { ...rest, from, to })).length;
      if (name.includes('no usage')) expect(count, name).toBe(0);
      else expect(count, name).toBeGreaterThan(0);
    }
  });
});

describe('trends', () => {
  it('defaults: the current period, per day, grouped by feature, every day present with zeros', async () => {
    const answer = await trends(org);
    expect(answer).toMatchObject({ interval: 'day', group_by: 'feature', from: PERIOD_START, to: PERIOD_END });
    // 31 Jan 10:00 → 28 Feb 10:00 touches 29 UTC days, from 31 Jan 00:00 to 28 Feb 00:00.
    for (const series of answer.series) {
      expect(series.points).toHaveLength(29);
      expect(series.points[0]!.start).toBe('2026-01-31T00:00:00.000Z');
      expect(series.points.at(-1)!.start).toBe('2026-02-28T00:00:00.000Z');
    }
    expect(answer.series.map((series) => [series.key, series.label])).toEqual([
      ['documents', 'documents'],
      ['assistant', 'assistant'],
      ['reports', 'reports'],
    ]);
    const assistant = answer.series.find((series) => series.key === 'assistant')!;
    const byDay = Object.fromEntries(assistant.points.filter((point) => point.requests > 0).map((point) => [point.start.slice(0, 10), point.credits]));
    // The 20 Jan row is before the period; 1,500 tokens → 2 credits, 0 → 1, 999 → 1, 4,000 → 4.
    expect(byDay).toEqual({ '2026-01-31': 2, '2026-02-01': 1, '2026-02-04': 1, '2026-02-08': 4 });
    expect(assistant.points.find((point) => point.start === '2026-02-03T00:00:00.000Z')).toEqual({
      start: '2026-02-03T00:00:00.000Z',
      credits: 0,
      charged: 0,
      tokens: 0,
      requests: 0,
    });
    expect(answer.totals).toEqual({ credits: 35, charged: 35, tokens: 32_000, requests: 9 });
  });

  it('weeks start on Monday 00:00 UTC: a Sunday 23:00 row is in the week before the Monday 00:00 row', async () => {
    const answer = await trends(org, { interval: 'week', group_by: 'user' });
    const bob = answer.series.find((series) => series.key === 'u-bob')!;
    expect(bob.label).toBe('Bob Brown');
    expect(bob.points.map((point) => [point.start.slice(0, 10), point.credits, point.requests])).toEqual([
      ['2026-01-26', 3, 1],
      ['2026-02-02', 4, 1],
      ['2026-02-09', 2, 1],
      ['2026-02-16', 0, 0],
      ['2026-02-23', 0, 0],
    ]);
    // A user without a name is labelled by their id.
    expect(answer.series.find((series) => series.key === 'u-carol')!.label).toBe('u-carol');
  });

  it('an org without usage has no series and zero totals', async () => {
    const empty = await h.createOrg();
    const answer = await trends(empty, { from: '2026-02-01T00:00:00.000Z', to: '2026-02-08T00:00:00.000Z' });
    expect(answer).toEqual({
      interval: 'day',
      group_by: 'feature',
      from: '2026-02-01T00:00:00.000Z',
      to: '2026-02-08T00:00:00.000Z',
      series: [],
      totals: { credits: 0, charged: 0, tokens: 0, requests: 0 },
    });
  });

  it('an empty range (from equals to) has no buckets', async () => {
    const answer = await trends(org, { from: '2026-02-01T00:00:00.000Z', to: '2026-02-01T00:00:00.000Z' });
    expect(answer.series).toEqual([]);
    expect(answer.totals.requests).toBe(0);
  });

  it('charged and credits differ when usage went uncollected', async () => {
    await leavePlanCredits(h, uncollectedOrg, 2);
    await seed(uncollectedOrg, [{ user_id: 'u-1', feature: 'assistant', action: 'chat', tokens: 5_000, occurred_at: '2026-02-11T12:00:00.000Z' }]);
    const answer = await trends(uncollectedOrg);
    expect(answer.totals).toEqual({ credits: 5, charged: 2, tokens: 5_000, requests: 1 });
    expectTrendsMatchHistory(answer, await history(uncollectedOrg, { from: PERIOD_START, to: PERIOD_END }));
    const totals = (await summary(uncollectedOrg)).totals;
    expect(totals).toEqual({ credits: 5, charged: 2, uncollected: 3, tokens: 5_000, requests: 1 });
  });

  it('beyond 50 groups, the smallest are summed into one series with key null, and the sums still hold', async () => {
    const seeds: Seed[] = Array.from({ length: 53 }, (_, index) => ({
      user_id: `u-${String(index).padStart(2, '0')}`,
      feature: 'assistant',
      action: 'chat',
      tokens: (index + 1) * 1_000,
      occurred_at: new Date(Date.parse('2026-02-01T00:00:00.000Z') + index * 3_600_000).toISOString(),
    }));
    await seed(crowdOrg, seeds);
    const answer = await trends(crowdOrg, { group_by: 'user' });
    expect(answer.series).toHaveLength(51);
    expect(answer.series[0]!.key).toBe('u-52');
    const rest = answer.series.at(-1)!;
    expect(rest).toMatchObject({ key: null, label: 'Others' });
    // The three smallest: 1 + 2 + 3 credits.
    expect(rest.points.reduce((sum, point) => sum + point.credits, 0)).toBe(6);
    const items = await history(crowdOrg, { from: PERIOD_START, to: PERIOD_END });
    expect(answer.totals).toEqual(sumOf(items));
    const named = answer.series.slice(0, 50).map((series) => series.key);
    expect(named).not.toContain('u-00');
    expect(named).not.toContain('u-02');
  });
});

describe('bounds and bad input', () => {
  it('366 days is the widest daily range', async () => {
    const answer = await trends(org, { from: '2025-02-12T00:00:00.000Z', to: '2026-02-13T00:00:00.000Z' });
    for (const series of answer.series) expect(series.points).toHaveLength(366);
    expectTrendsMatchHistory(answer, await history(org, { from: '2025-02-12T00:00:00.000Z', to: '2026-02-13T00:00:00.000Z' }));
  });

  it('105 weeks is the widest weekly range', async () => {
    const answer = await trends(org, { interval: 'week', from: '2024-02-12T00:00:00.000Z', to: '2026-02-16T00:00:00.000Z' });
    for (const series of answer.series) expect(series.points).toHaveLength(105);
  });

  it.each([
    ['367 days', { from: '2025-02-11T00:00:00.000Z', to: '2026-02-13T00:00:00.000Z' }, ['from', 'to']],
    ['366 days that touch 367 UTC days', { from: '2025-02-12T12:00:00.000Z', to: '2026-02-13T12:00:00.000Z' }, ['from', 'to']],
    ['106 weeks', { interval: 'week', from: '2024-02-05T00:00:00.000Z', to: '2026-02-16T00:00:00.000Z' }, ['from', 'to']],
    ['only from, far back (to is the period end)', { from: '2024-01-01T00:00:00.000Z' }, ['from', 'to']],
    ['to before from', { from: '2026-02-10T00:00:00.000Z', to: '2026-02-01T00:00:00.000Z' }, ['to']],
    ['from that is not a date-time', { from: 'yesterday' }, ['from']],
    ['an unknown interval', { interval: 'month' }, ['interval']],
    ['an unknown group', { group_by: 'model' }, ['group_by']],
    ['an unknown parameter', { colour: 'blue' }, ['colour']],
  ])('%s → 422 naming the fields', async (_name, query, fields) => {
    const response = await h.api('GET', url(`/v1/orgs/${org}/usage/trends`, query));
    expect(response.statusCode, response.body).toBe(422);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    const problem = response.json() as { code: string; errors?: Record<string, string[]> };
    expect(problem.code).toBe('VALIDATION_FAILED');
    expect(Object.keys(problem.errors ?? {}).sort()).toEqual(fields);
  });

  it.each([
    ['top 0', { top: 0 }],
    ['top 51', { top: 51 }],
    ['an unknown parameter', { from: '2026-02-01T00:00:00.000Z' }],
  ])('summary with %s → 422', async (_name, query) => {
    const response = await h.api('GET', url(`/v1/orgs/${org}/usage/summary`, query));
    expect(response.statusCode, response.body).toBe(422);
  });

  it('an unknown org → 404; no credentials → 401', async () => {
    for (const path of ['/v1/orgs/no-such-org/usage/trends', '/v1/orgs/no-such-org/usage/summary']) {
      expect((await h.api('GET', path)).statusCode).toBe(404);
    }
    for (const path of [`/v1/orgs/${org}/usage/trends`, `/v1/orgs/${org}/usage/summary`]) {
      expect((await h.api('GET', path, undefined, {})).statusCode).toBe(401);
    }
  });
});

describe('summary', () => {
  it('the current period: totals, top users and top features by credits', async () => {
    const answer = await summary(org);
    expect(answer.period).toEqual({ start: PERIOD_START, end: PERIOD_END });
    expect(answer.totals).toEqual({ credits: 35, charged: 35, uncollected: 0, tokens: 32_000, requests: 9 });
    expect(answer.top_users).toEqual([
      { user_id: 'u-alice', user_name: 'Alice Adams', credits: 18, requests: 4 },
      { user_id: 'u-bob', user_name: 'Bob Brown', credits: 9, requests: 3 },
      { user_id: 'u-carol', user_name: null, credits: 8, requests: 2 },
    ]);
    // assistant and reports tie at 8: the name breaks the tie.
    expect(answer.top_features).toEqual([
      { feature: 'documents', credits: 19, requests: 2 },
      { feature: 'assistant', credits: 8, requests: 4 },
      { feature: 'reports', credits: 8, requests: 3 },
    ]);
    const items = await history(org, { from: PERIOD_START, to: PERIOD_END });
    expect(answer.totals.credits).toBe(sumOf(items).credits);
  });

  it('top limits the lists', async () => {
    const answer = await summary(org, { top: 2 });
    expect(answer.top_users.map((user) => user.user_id)).toEqual(['u-alice', 'u-bob']);
    expect(answer.top_features.map((feature) => feature.feature)).toEqual(['documents', 'assistant']);
  });

  it("the forecast burns the org's last 7 days of credits; plan credits never outlast the period", async () => {
    // From 5 Feb 10:00: 4 (8 Feb) + 2 (9 Feb) + 7 (11 Feb) + 3 (12 Feb) = 16 credits → 3 a day, rounded up.
    const answer = await summary(org);
    const left = await balance(h, org);
    expect(answer.forecast.daily_burn_credits).toBe(3);
    // At 3 a day the plan credits left would last into 2027: they expire on the period end instead,
    // and every coming period's plan credits cover 3 a day, so nothing runs out.
    expect(Date.parse(NOW) + Math.floor((left.plan.remaining * DAY_MS) / 3)).toBeGreaterThan(Date.parse(PERIOD_END));
    expect(answer.forecast).toEqual({
      daily_burn_credits: 3,
      plan_credits_last_until: PERIOD_END,
      plan_credits_outlast_period: true,
      prepaid_credits_last_until: null,
      runs_out_before_period_end: false,
    });
  });

  it('70 credits in the last 7 days burn 10 a day: 100 plan credits last 10 days, past the window edge nothing counts', async () => {
    await seed(forecastOrg, [
      { user_id: 'u-1', feature: 'assistant', action: 'chat', tokens: 50_000, occurred_at: '2026-02-05T09:59:59.999Z' },
      { user_id: 'u-1', feature: 'assistant', action: 'chat', tokens: 7_000, occurred_at: '2026-02-05T10:00:00.000Z' },
      { user_id: 'u-2', feature: 'reports', action: 'chat', tokens: 23_000, occurred_at: '2026-02-06T12:00:00.000Z' },
      { user_id: 'u-2', feature: 'reports', action: 'chat', tokens: 40_000, occurred_at: '2026-02-12T09:59:00.000Z' },
    ]);
    await leavePlanCredits(h, forecastOrg, 100);
    expect((await summary(forecastOrg)).forecast).toEqual({
      daily_burn_credits: 10,
      plan_credits_last_until: '2026-02-22T10:00:00.000Z',
      plan_credits_outlast_period: false,
      prepaid_credits_last_until: '2026-02-22T10:00:00.000Z',
      runs_out_before_period_end: true,
    });
    // 100 purchased credits carry the org past the period end on 28 Feb (60 of them are used), where
    // the next period's plan credits take over: at 10 a day they never run out.
    await grantPurchased(h, forecastOrg, 100);
    expect((await summary(forecastOrg)).forecast).toEqual({
      daily_burn_credits: 10,
      plan_credits_last_until: '2026-02-22T10:00:00.000Z',
      plan_credits_outlast_period: false,
      prepaid_credits_last_until: null,
      runs_out_before_period_end: false,
    });
  });

  it('no usage in the last 7 days: no dates', async () => {
    const idle = await h.createOrg();
    expect((await summary(idle)).forecast).toEqual({
      daily_burn_credits: 0,
      plan_credits_last_until: null,
      plan_credits_outlast_period: true,
      prepaid_credits_last_until: null,
      runs_out_before_period_end: false,
    });
  });
});

describe('members see only their own usage', () => {
  let memberId: string;
  let memberCookie: string;

  async function login(email: string, password: string): Promise<string> {
    const response = await h.api('POST', '/v1/auth/login', { email, password }, {});
    expect(response.statusCode, response.body).toBe(200);
    const session = response.cookies.find((cookie) => cookie.name === 'loupe_session');
    return `loupe_session=${session!.value}`;
  }

  beforeAll(async () => {
    const added = await h.api('POST', `/v1/orgs/${memberOrg}/members`, { email: `member@${memberOrg}.test`, name: 'Mia Member', role: 'member', password: 'member-password' });
    expect(added.statusCode, added.body).toBe(201);
    memberId = (added.json() as { user_id: string }).user_id;
    memberCookie = await login(`member@${memberOrg}.test`, 'member-password');
    await seed(memberOrg, [
      { user_id: memberId, user_name: 'Mia Member', feature: 'assistant', action: 'chat', tokens: 1_500, occurred_at: '2026-02-03T09:00:00.000Z' },
      { user_id: memberId, user_name: 'Mia Member', feature: 'reports', action: 'summarize', tokens: 200, occurred_at: '2026-02-10T09:00:00.000Z' },
      { user_id: 'u-other', user_name: 'Otto Other', feature: 'assistant', action: 'chat', tokens: 30_000, occurred_at: '2026-02-04T09:00:00.000Z' },
    ]);
  });

  it.each([{}, { user_id: 'u-other' }, { group_by: 'user' }])('trends with %o hold only the member’s rows', async (query) => {
    const answer = await trends(memberOrg, query, { cookie: memberCookie });
    expect(answer.totals).toEqual({ credits: 3, charged: 3, tokens: 1_700, requests: 2 });
    expectTrendsMatchHistory(answer, await history(memberOrg, { from: PERIOD_START, to: PERIOD_END, user_id: memberId }));
  });

  it('the member’s trends equal the member’s own usage history', async () => {
    const answer = await trends(memberOrg, { interval: 'week', group_by: 'action' }, { cookie: memberCookie });
    expectTrendsMatchHistory(answer, await history(memberOrg, { from: PERIOD_START, to: PERIOD_END }, { cookie: memberCookie }));
  });

  it('the summary shows the member’s totals and only them among top users; the forecast is the org’s', async () => {
    const mine = await summary(memberOrg, {}, { cookie: memberCookie });
    expect(mine.totals).toEqual({ credits: 3, charged: 3, uncollected: 0, tokens: 1_700, requests: 2 });
    expect(mine.top_users).toEqual([{ user_id: memberId, user_name: 'Mia Member', credits: 3, requests: 2 }]);
    expect(mine.top_features).toEqual([
      { feature: 'assistant', credits: 2, requests: 1 },
      { feature: 'reports', credits: 1, requests: 1 },
    ]);
    const everyone = await summary(memberOrg);
    expect(everyone.totals.credits).toBe(33);
    expect(everyone.top_users.map((user) => user.user_id)).toEqual(['u-other', memberId]);
    // Only the 10 Feb credit is within the org's last 7 days → 1 a day, for members and admins alike.
    expect(mine.forecast).toEqual(everyone.forecast);
    expect(mine.forecast.daily_burn_credits).toBe(1);
  });
});
