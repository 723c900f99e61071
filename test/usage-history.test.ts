import { prefersCsv } from '../src/http/routes/usage.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PLATFORM_KEY, startHarness, type Harness } from './support/harness.js';

/** GET /v1/orgs/{org}/usage: newest first, filters, cursor pages, CSV, and members seeing only their own rows. */

interface Seed {
  user_id: string;
  user_name?: string;
  feature: string;
  action: string;
  tokens: number;
  occurred_at: string;
}

interface Item {
  id: string;
  occurred_at: string;
  user_id: string;
  user_name: string | null;
  action: string;
  feature: string;
  tokens: number;
  credits: number;
  uncollected: number;
}

interface Page {
  items: Item[];
  next_cursor: string | null;
}

interface Seeded extends Seed {
  id: string;
  credits: number;
}

let h: Harness;
let keySequence = 0;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
afterEach(() => h.expectCleanAudit());

const platformHeaders = (extra: Record<string, string> = {}) => ({ authorization: `Bearer ${PLATFORM_KEY}`, ...extra });

async function recordAt(org: string, seed: Seed): Promise<Seeded> {
  keySequence += 1;
  const response = await h.api('POST', `/v1/orgs/${org}/ai/usage`, { idempotency_key: `history-${keySequence}`, ...seed });
  expect(response.statusCode, response.body).toBe(201);
  const body = response.json() as { id: string; credits: number; uncollected: number };
  expect(body.uncollected).toBe(0);
  return { ...seed, id: body.id, credits: body.credits };
}

async function seedAll(org: string, seeds: readonly Seed[]): Promise<Seeded[]> {
  const rows: Seeded[] = [];
  for (const seed of seeds) rows.push(await recordAt(org, seed));
  return rows;
}

function usageUrl(org: string, query: Record<string, string | number | undefined> = {}, suffix = ''): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const search = params.toString();
  return `/v1/orgs/${org}/usage${suffix}${search === '' ? '' : `?${search}`}`;
}

async function page(org: string, query: Record<string, string | number | undefined> = {}, headers?: Record<string, string>): Promise<Page> {
  const response = await h.api('GET', usageUrl(org, query), undefined, headers);
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as Page;
}

/** Every page from the first, following next_cursor, with the same filter. */
async function walk(org: string, query: Record<string, string | number | undefined>, headers?: Record<string, string>) {
  const pages: Page[] = [];
  let cursor: string | undefined;
  for (let guard = 0; guard < 1_000; guard += 1) {
    const current = await page(org, { ...query, cursor }, headers);
    pages.push(current);
    if (current.next_cursor === null) break;
    cursor = current.next_cursor;
  }
  return { pages, items: pages.flatMap((current) => current.items) };
}

function expectNewestFirst(items: readonly Item[]) {
  for (let index = 1; index < items.length; index += 1) {
    expect(Date.parse(items[index - 1]!.occurred_at)).toBeGreaterThanOrEqual(Date.parse(items[index]!.occurred_at));
  }
}

/** The API's answer for the seeds that pass `keep`, compared field by field, order checked separately. */
function expectRows(items: readonly Item[], seeds: readonly Seeded[], keep: (seed: Seeded) => boolean = () => true) {
  const wanted = seeds.filter(keep);
  expect(items.map((item) => item.id).sort()).toEqual(wanted.map((seed) => seed.id).sort());
  for (const item of items) {
    const seed = wanted.find((candidate) => candidate.id === item.id)!;
    expect(Object.keys(item)).toEqual(expect.arrayContaining(['id', 'occurred_at', 'user_id', 'user_name', 'action', 'feature', 'tokens', 'credits', 'uncollected']));
    expect(item).toMatchObject({
      id: seed.id,
      occurred_at: seed.occurred_at,
      user_id: seed.user_id,
      user_name: seed.user_name ?? null,
      action: seed.action,
      feature: seed.feature,
      tokens: seed.tokens,
      credits: seed.credits,
      uncollected: 0,
    });
  }
  expectNewestFirst(items);
}

function parseCsv(body: string): { header: string[]; rows: Record<string, string>[] } {
  const lines = body.split(/\r?\n/).filter((line) => line !== '');
  const header = lines[0]!.split(',');
  const rows = lines.slice(1).map((line) => {
    const cells = line.split(',');
    expect(cells).toHaveLength(header.length);
    return Object.fromEntries(header.map((column, index) => [column, cells[index]!]));
  });
  return { header, rows };
}

const TIE = '2026-01-15T12:00:00.000Z';

const SEEDS: readonly Seed[] = [
  { user_id: 'u-alice', user_name: 'Alice Adams', feature: 'assistant', action: 'chat', tokens: 500, occurred_at: '2026-01-10T08:00:00.000Z' },
  { user_id: 'u-bob', user_name: 'Bob Brown', feature: 'reports', action: 'summarize', tokens: 2_500, occurred_at: '2026-01-12T09:30:00.000Z' },
  { user_id: 'u-alice', user_name: 'Alice Adams', feature: 'reports', action: 'chat', tokens: 1_000, occurred_at: TIE },
  { user_id: 'u-bob', user_name: 'Bob Brown', feature: 'assistant', action: 'chat', tokens: 1_001, occurred_at: TIE },
  { user_id: 'u-carol', feature: 'assistant', action: 'summarize', tokens: 0, occurred_at: TIE },
  { user_id: 'u-alice', user_name: 'Alice Adams', feature: 'assistant', action: 'summarize', tokens: 4_000, occurred_at: '2026-01-20T00:00:00.000Z' },
  { user_id: 'u-carol', feature: 'documents', action: 'chat', tokens: 999, occurred_at: '2026-01-22T15:45:00.000Z' },
  { user_id: 'u-bob', user_name: 'Bob Brown', feature: 'assistant', action: 'chat', tokens: 12_000, occurred_at: '2026-01-25T10:00:00.000Z' },
  { user_id: 'u-alice', user_name: 'Alice Adams', feature: 'documents', action: 'summarize', tokens: 3_000, occurred_at: '2026-01-28T23:59:59.999Z' },
  { user_id: 'u-carol', feature: 'reports', action: 'chat', tokens: 100, occurred_at: '2026-01-30T06:00:00.000Z' },
];

describe('usage history', () => {
  let org: string;
  let seeded: Seeded[];

  beforeAll(async () => {
    org = await h.createOrg();
    // Recorded out of time order, so the answer's order comes from occurred_at, not insertion.
    const shuffled = [SEEDS[4]!, SEEDS[9]!, SEEDS[0]!, SEEDS[7]!, SEEDS[2]!, SEEDS[5]!, SEEDS[1]!, SEEDS[8]!, SEEDS[3]!, SEEDS[6]!];
    seeded = await seedAll(org, shuffled);
  });

  it('lists every row newest first with its fields and credits', async () => {
    const answer = await page(org);
    expect(answer.next_cursor).toBeNull();
    expectRows(answer.items, seeded);
    expect(answer.items[0]!.occurred_at).toBe('2026-01-30T06:00:00.000Z');
    expect(answer.items.at(-1)!.occurred_at).toBe('2026-01-10T08:00:00.000Z');
    // max(1, ceil(tokens / 1000)) credits each.
    const byTokens = Object.fromEntries(answer.items.map((item) => [item.tokens, item.credits]));
    expect(byTokens).toEqual({ 0: 1, 100: 1, 500: 1, 999: 1, 1000: 1, 1001: 2, 2500: 3, 3000: 3, 4000: 4, 12000: 12 });
  });

  it('an org without usage has an empty list', async () => {
    const empty = await h.createOrg();
    expect(await page(empty)).toEqual({ items: [], next_cursor: null });
  });

  describe('filters', () => {
    const at = (iso: string) => Date.parse(iso);
    const cases: [string, Record<string, string>, (seed: Seed) => boolean][] = [
      ['from is inclusive', { from: TIE }, (seed) => at(seed.occurred_at) >= at(TIE)],
      ['to is exclusive', { to: TIE }, (seed) => at(seed.occurred_at) < at(TIE)],
      [
        'from and to together',
        { from: TIE, to: '2026-01-25T10:00:00.000Z' },
        (seed) => at(seed.occurred_at) >= at(TIE) && at(seed.occurred_at) < at('2026-01-25T10:00:00.000Z'),
      ],
      ['from with a UTC offset', { from: '2026-01-20T01:00:00+01:00' }, (seed) => at(seed.occurred_at) >= at('2026-01-20T00:00:00.000Z')],
      ['user_id', { user_id: 'u-alice' }, (seed) => seed.user_id === 'u-alice'],
      ['feature', { feature: 'assistant' }, (seed) => seed.feature === 'assistant'],
      ['action', { action: 'summarize' }, (seed) => seed.action === 'summarize'],
      [
        'user_id, feature and from combined',
        { user_id: 'u-alice', feature: 'assistant', from: '2026-01-11T00:00:00.000Z' },
        (seed) => seed.user_id === 'u-alice' && seed.feature === 'assistant' && at(seed.occurred_at) >= at('2026-01-11T00:00:00.000Z'),
      ],
      [
        'every filter combined',
        { user_id: 'u-bob', feature: 'assistant', action: 'chat', from: TIE, to: '2026-01-25T10:00:00.001Z' },
        (seed) =>
          seed.user_id === 'u-bob' &&
          seed.feature === 'assistant' &&
          seed.action === 'chat' &&
          at(seed.occurred_at) >= at(TIE) &&
          at(seed.occurred_at) < at('2026-01-25T10:00:00.001Z'),
      ],
      ['a user with no usage', { user_id: 'u-nobody' }, () => false],
      ['an empty window (from equals to)', { from: TIE, to: TIE }, () => false],
    ];

    it.each(cases)('%s', async (_name, query, keep) => {
      const answer = await page(org, query);
      expect(answer.next_cursor).toBeNull();
      expectRows(answer.items, seeded, keep);
    });

    it('the cases above are not trivial', () => {
      for (const [name, , keep] of cases) {
        const count = SEEDS.filter(keep).length;
        if (name.includes('no usage') || name.includes('empty window')) expect(count, name).toBe(0);
        else expect(count, name).toBeGreaterThan(0);
      }
      expect(SEEDS.filter((seed) => seed.occurred_at === TIE)).toHaveLength(3);
    });

    it('a filter applies to every page', async () => {
      const { pages, items } = await walk(org, { user_id: 'u-alice', limit: 1 });
      expect(pages).toHaveLength(4);
      expectRows(items, seeded, (seed) => seed.user_id === 'u-alice');
    });

    it.each([
      ['to before from', { from: '2026-01-20T00:00:00.000Z', to: '2026-01-10T00:00:00.000Z' }, 'to'],
      ['from that is not a date-time', { from: 'yesterday' }, 'from'],
      ['to that is not a date-time', { to: '2026-13-45' }, 'to'],
      ['limit 0', { limit: '0' }, 'limit'],
      ['limit 501', { limit: '501' }, 'limit'],
      ['limit that is not a number', { limit: 'ten' }, 'limit'],
      ['a cursor this list did not give out', { cursor: 'not-a-cursor' }, 'cursor'],
      ['an unknown filter', { colour: 'blue' }, 'colour'],
    ])('%s answers 422 naming the field', async (_name, query, field) => {
      const response = await h.api('GET', usageUrl(org, query));
      expect(response.statusCode, response.body).toBe(422);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      const problem = response.json() as { status: number; code: string; errors?: Record<string, string[]> };
      expect(problem.status).toBe(422);
      expect(Object.keys(problem.errors ?? {})).toContain(field);
    });
  });

  describe('CSV', () => {
    it.each([
      ['Accept: text/csv', (query: Record<string, string>) => h.api('GET', usageUrl(org, query), undefined, platformHeaders({ accept: 'text/csv' }))],
      ['the .csv suffix', (query: Record<string, string>) => h.api('GET', usageUrl(org, query, '.csv'))],
    ])('%s streams the same rows as the JSON list, newest first', async (_name, get) => {
      const queries: Record<string, string>[] = [{}, { user_id: 'u-bob' }, { feature: 'assistant', from: TIE }, { to: TIE, action: 'chat' }, { user_id: 'u-nobody' }];
      for (const query of queries) {
        const response = await get(query);
        expect(response.statusCode, response.body).toBe(200);
        expect(response.headers['content-type']).toMatch(/^text\/csv/);
        const { header, rows } = parseCsv(response.body);
        for (const column of ['id', 'occurred_at', 'user_id', 'user_name', 'action', 'feature', 'tokens', 'credits', 'uncollected']) {
          expect(header).toContain(column);
        }
        const json = await page(org, { ...query, limit: 500 });
        expect(rows.map((row) => row.id)).toEqual(json.items.map((item) => item.id));
        expect(rows).toEqual(
          json.items.map((item) =>
            expect.objectContaining({
              id: item.id,
              occurred_at: item.occurred_at,
              user_id: item.user_id,
              user_name: item.user_name ?? '',
              action: item.action,
              feature: item.feature,
              tokens: String(item.tokens),
              credits: String(item.credits),
              uncollected: String(item.uncollected),
            }),
          ),
        );
      }
    });

    it('a header line and one line per row, whatever the list limit', async () => {
      const response = await h.api('GET', usageUrl(org, {}, '.csv'));
      const lines = response.body.split(/\r?\n/).filter((line) => line !== '');
      expect(lines).toHaveLength(1 + SEEDS.length);
      expect(lines[0]!.startsWith('id,')).toBe(true);
    });

    it('an empty result is the header line alone', async () => {
      const response = await h.api('GET', usageUrl(org, { user_id: 'u-nobody' }, '.csv'));
      expect(response.statusCode).toBe(200);
      expect(parseCsv(response.body).rows).toEqual([]);
      expect(response.body.split(/\r?\n/).filter((line) => line !== '')).toHaveLength(1);
    });

    it('quotes a value with a comma', async () => {
      const other = await h.createOrg();
      const row = await recordAt(other, {
        user_id: 'u-jane',
        user_name: 'Doe, Jane',
        feature: 'reports',
        action: 'export',
        tokens: 10,
        occurred_at: '2026-01-05T00:00:00.000Z',
      });
      const response = await h.api('GET', usageUrl(other, {}, '.csv'));
      expect(response.statusCode).toBe(200);
      const lines = response.body.split(/\r?\n/).filter((line) => line !== '');
      expect(lines).toHaveLength(2);
      expect(lines[1]).toContain('"Doe, Jane"');
      expect(lines[1]!.startsWith(`${row.id},2026-01-05T00:00:00.000Z,u-jane,"Doe, Jane",export,reports,10,1,`)).toBe(true);
    });

    it('a bad filter answers 422 problem+json, not CSV', async () => {
      const response = await h.api('GET', usageUrl(org, { from: '2026-01-20T00:00:00.000Z', to: '2026-01-10T00:00:00.000Z' }, '.csv'));
      expect(response.statusCode).toBe(422);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    });
  });
});

describe('the action filter matches every action that contains the text, in any case', () => {
  const ACTIONS = ['chat', 'Chat reply', 'group-chat', 'summarize', 'draft_100%', 'draft_1000', 'c\\hat'] as const;
  let org: string;
  let seeded: Seeded[];

  beforeAll(async () => {
    org = await h.createOrg();
    seeded = await seedAll(
      org,
      ACTIONS.map((action, index) => ({ user_id: 'u-alice', feature: 'assistant', action, tokens: 100, occurred_at: `2026-01-1${index}T08:00:00.000Z` })),
    );
  });

  it.each([
    ['part of a word', 'roup', ['group-chat']],
    ['another case', 'CHAT', ['chat', 'Chat reply', 'group-chat']],
    ['the whole action', 'summarize', ['summarize']],
    ['text in the middle, with a space', 't re', ['Chat reply']],
    ['% is a percent sign, not a wildcard', '0%', ['draft_100%']],
    ['_ is an underscore, not a wildcard', 't_1', ['draft_100%', 'draft_1000']],
    ['\\ is a backslash', 'c\\h', ['c\\hat']],
    ['text no action contains', 'translate', []],
  ] as const)('%s: "%s"', async (_name, text, expected) => {
    const answer = await page(org, { action: text });
    expectRows(answer.items, seeded, (seed) => (expected as readonly string[]).includes(seed.action));
    expect(answer.items.map((item) => item.action).sort()).toEqual([...expected].sort());
    // The CSV export and the trends apply the same filter.
    const csv = parseCsv((await h.api('GET', usageUrl(org, { action: text }, '.csv'))).body);
    expect(csv.rows.map((row) => row.id)).toEqual(answer.items.map((item) => item.id));
    const trends = await h.api('GET', `/v1/orgs/${org}/usage/trends?${new URLSearchParams({ action: text, from: '2026-01-01T00:00:00.000Z', to: '2026-02-01T00:00:00.000Z' })}`);
    expect(trends.statusCode, trends.body).toBe(200);
    expect(trends.json().totals.requests).toBe(expected.length);
  });
});

describe('cursor pagination', () => {
  const ROWS = 61;
  let org: string;
  let seeded: Seeded[];
  let all: Item[];

  beforeAll(async () => {
    org = await h.createOrg({ plan: 'team' });
    const features = ['assistant', 'reports', 'documents'];
    const seeds: Seed[] = [];
    for (let index = 0; index < ROWS; index += 1) {
      // Groups of three rows share a time, so ties fall across page boundaries.
      const group = Math.floor(index / 3);
      seeds.push({
        user_id: `u-${index % 4}`,
        feature: features[index % 3]!,
        action: 'chat',
        tokens: 1_000 * (1 + (index % 5)),
        occurred_at: new Date(Date.parse('2026-01-20T00:00:00.000Z') + group * 3_600_000).toISOString(),
      });
    }
    seeded = await seedAll(org, seeds);
    const everything = await page(org, { limit: 500 });
    expect(everything.next_cursor).toBeNull();
    all = everything.items;
    expectRows(all, seeded);
  });

  it('the default page is 50 rows', async () => {
    const first = await page(org);
    expect(first.items).toHaveLength(50);
    expect(first.next_cursor).toEqual(expect.any(String));
    expect(first.items).toEqual(all.slice(0, 50));
    const second = await page(org, { cursor: first.next_cursor! });
    expect(second.items).toEqual(all.slice(50));
    expect(second.next_cursor).toBeNull();
  });

  it.each([1, 2, 3, 4, 7, 50, 60, 61, 500])('walking pages of %i yields every row once, in order', async (limit) => {
    const { pages, items } = await walk(org, { limit });
    expect(items).toEqual(all);
    expect(new Set(items.map((item) => item.id)).size).toBe(ROWS);
    expect(pages).toHaveLength(Math.max(1, Math.ceil(ROWS / limit)));
    for (const current of pages.slice(0, -1)) {
      expect(current.items).toHaveLength(limit);
      expect(current.next_cursor).not.toBeNull();
    }
    expect(pages.at(-1)!.next_cursor).toBeNull();
  });

  it('a last page that is exactly full has no next cursor', async () => {
    const first = await page(org, { limit: 30 });
    const second = await page(org, { limit: 31, cursor: first.next_cursor! });
    expect(second.items).toHaveLength(31);
    expect(second.next_cursor).toBeNull();
    expect([...first.items, ...second.items]).toEqual(all);
  });

  it('ties on occurred_at split across pages lose and repeat nothing', async () => {
    // 61 rows in groups of three: the newest time has one row, every other time three.
    expect(all.filter((item) => item.occurred_at === all[0]!.occurred_at)).toHaveLength(1);
    expect(all.filter((item) => item.occurred_at === all[1]!.occurred_at)).toHaveLength(3);
    // Pages of one row: every boundary falls inside a group of equal times.
    const { items } = await walk(org, { limit: 1, from: all.at(-1)!.occurred_at, to: all[0]!.occurred_at });
    expect(items).toEqual(all.filter((item) => item.occurred_at !== all[0]!.occurred_at));
  });

  it('a cursor from a filtered walk continues the filtered list', async () => {
    const filtered = all.filter((item) => item.feature === 'reports');
    const { items } = await walk(org, { feature: 'reports', limit: 4 });
    expect(items).toEqual(filtered);
  });

  it('rows recorded after a page was read, newer than it, do not shift the next page', async () => {
    const first = await page(org, { limit: 10 });
    const late = await recordAt(org, { user_id: 'u-late', feature: 'assistant', action: 'chat', tokens: 1, occurred_at: '2026-01-30T00:00:00.000Z' });
    const second = await page(org, { limit: 10, cursor: first.next_cursor! });
    expect(second.items).toEqual(all.slice(10, 20));
    const again = await page(org, { limit: 1 });
    expect(again.items[0]!.id).toBe(late.id);
  });
});

describe('who sees which rows', () => {
  let org: string;
  let memberId: string;
  let memberCookie: string;
  let adminCookie: string;
  let mine: Seeded[];
  let theirs: Seeded[];

  async function login(email: string, password: string): Promise<string> {
    const response = await h.api('POST', '/v1/auth/login', { email, password }, {});
    expect(response.statusCode, response.body).toBe(200);
    const session = response.cookies.find((cookie) => cookie.name === 'loupe_session');
    expect(session).toBeDefined();
    return `loupe_session=${session!.value}`;
  }

  beforeAll(async () => {
    org = await h.createOrg();
    const added = await h.api('POST', `/v1/orgs/${org}/members`, { email: `member@${org}.test`, name: 'Mia Member', role: 'member', password: 'member-password' });
    expect(added.statusCode, added.body).toBe(201);
    memberId = (added.json() as { user_id: string }).user_id;
    memberCookie = await login(`member@${org}.test`, 'member-password');
    adminCookie = await login(`admin@${org}.test`, 'admin-password');
    mine = await seedAll(org, [
      { user_id: memberId, user_name: 'Mia Member', feature: 'assistant', action: 'chat', tokens: 1_500, occurred_at: '2026-01-21T09:00:00.000Z' },
      { user_id: memberId, user_name: 'Mia Member', feature: 'reports', action: 'summarize', tokens: 200, occurred_at: '2026-01-23T09:00:00.000Z' },
    ]);
    theirs = await seedAll(org, [
      { user_id: 'u-other', user_name: 'Otto Other', feature: 'assistant', action: 'chat', tokens: 3_000, occurred_at: '2026-01-22T09:00:00.000Z' },
      { user_id: 'u-third', feature: 'documents', action: 'chat', tokens: 50, occurred_at: '2026-01-24T09:00:00.000Z' },
    ]);
  });

  it('a member sees only their own usage', async () => {
    const answer = await page(org, {}, { cookie: memberCookie });
    expect(answer.next_cursor).toBeNull();
    expectRows(answer.items, mine);
  });

  it.each(['u-other', 'u-third', 'u-nobody'])('a member asking for user_id=%s still sees only their own usage', async (userId) => {
    const answer = await page(org, { user_id: userId }, { cookie: memberCookie });
    expectRows(answer.items, mine);
  });

  it('other filters still narrow a member’s own usage', async () => {
    expectRows((await page(org, { feature: 'reports' }, { cookie: memberCookie })).items, mine, (seed) => seed.feature === 'reports');
    expectRows((await page(org, { feature: 'documents' }, { cookie: memberCookie })).items, mine, () => false);
  });

  it('a member walking pages sees only their own usage', async () => {
    const { items } = await walk(org, { limit: 1, user_id: 'u-other' }, { cookie: memberCookie });
    expectRows(items, mine);
  });

  it.each([
    ['the .csv suffix', '.csv', {}],
    ['Accept: text/csv', '', { accept: 'text/csv' }],
  ])('a member’s CSV (%s) holds only their own rows, whatever user_id they ask for', async (_name, suffix, extra) => {
    const response = await h.api('GET', usageUrl(org, { user_id: 'u-other' }, suffix), undefined, { cookie: memberCookie, ...extra });
    expect(response.statusCode, response.body).toBe(200);
    const { rows } = parseCsv(response.body);
    expect(rows.map((row) => row.user_id)).toEqual([memberId, memberId]);
    expect(rows.map((row) => row.id).sort()).toEqual(mine.map((seed) => seed.id).sort());
  });

  it('an admin signed in with a cookie sees everyone’s usage and may filter by user', async () => {
    expectRows((await page(org, {}, { cookie: adminCookie })).items, [...mine, ...theirs]);
    expectRows((await page(org, { user_id: 'u-other' }, { cookie: adminCookie })).items, theirs, (seed) => seed.user_id === 'u-other');
  });

  it('the platform key sees everyone’s usage', async () => {
    expectRows((await page(org)).items, [...mine, ...theirs]);
  });

  it('another org’s member gets 404 and no rows', async () => {
    const otherOrg = await h.createOrg();
    const outsider = await login(`admin@${otherOrg}.test`, 'admin-password');
    for (const url of [usageUrl(org), usageUrl(org, {}, '.csv')]) {
      const response = await h.api('GET', url, undefined, { cookie: outsider });
      expect(response.statusCode, response.body).toBe(404);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
  });

  it('no credentials answer 401', async () => {
    for (const url of [usageUrl(org), usageUrl(org, {}, '.csv')]) {
      const response = await h.api('GET', url, undefined, {});
      expect(response.statusCode, response.body).toBe(401);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
  });
});

describe('content negotiation for the usage list', () => {
  it.each([
    [undefined, false],
    ['text/csv', true],
    ['*/*', false],
    ['application/json, text/csv;q=0.1', false],
    ['text/csv;q=0.9, application/json;q=0.5', true],
    ['text/*', true],
    ['text/html, application/xhtml+xml, */*;q=0.8', false],
  ])('Accept %s → CSV: %s', (accept, csv) => {
    expect(prefersCsv(accept)).toBe(csv);
  });
});

describe('cursor checks', () => {
  it('a well-formed cursor whose time is not a date → 422 naming cursor', async () => {
    const org = await h.createOrg();
    const cursor = Buffer.from(JSON.stringify(['garbage', 'x'])).toString('base64url');
    const response = await h.api('GET', `/v1/orgs/${org}/usage?cursor=${cursor}`);
    expect(response.statusCode).toBe(422);
    expect(Object.keys(response.json().errors)).toEqual(['cursor']);
  });
});
