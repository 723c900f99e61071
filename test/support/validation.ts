import { expect } from 'vitest';
import { sql } from 'kysely';
import { PLATFORM_KEY, type Harness } from './harness.js';

/**
 * What the validation suites share (test/validation-*.test.ts): the request bodies each endpoint
 * would accept, and probes that show a refused request changed nothing.
 */

export const AUTH = { authorization: `Bearer ${PLATFORM_KEY}` };
export const JSON_HEADERS = { ...AUTH, 'content-type': 'application/json' };
export const STARTER_CREDITS = 2_000;
export const KIB = 1024;

type Table = 'orgs' | 'users' | 'memberships' | 'grants' | 'holds' | 'ledger_entries' | 'usage_records';

/** Reads of an org through the API and its tables; `harness` is called when a probe runs (after beforeAll). */
export function orgProbes(harness: () => Harness) {
  async function getJson(url: string) {
    const response = await harness().api('GET', url);
    expect(response.statusCode, `${url}: ${response.body}`).toBe(200);
    return response.json() as Record<string, unknown>;
  }

  async function count(table: Table, org?: string) {
    const where = org === undefined ? sql`` : sql`where org_id = ${org}`;
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)} ${where}`.execute(harness().db);
    return rows[0]?.n ?? 0;
  }

  /** Everything a request could have changed about an org, as the API and the tables show it. */
  async function snapshot(org: string) {
    return {
      balance: await getJson(`/v1/orgs/${org}/balance`),
      usage: await getJson(`/v1/orgs/${org}/usage`),
      aiFeatures: await getJson(`/v1/orgs/${org}/settings/ai-features`),
      onDemand: await getJson(`/v1/orgs/${org}/settings/on-demand`),
      notifications: await getJson(`/v1/orgs/${org}/settings/notifications`),
      members: await getJson(`/v1/orgs/${org}/members`),
      clock: await getJson('/v1/test-clock'),
      rows: {
        orgs: await count('orgs'),
        users: await count('users'),
        grants: await count('grants', org),
        holds: await count('holds', org),
        ledger: await count('ledger_entries', org),
        usage: await count('usage_records', org),
      },
    };
  }

  /** The org still has exactly its starter credits, nothing held and no usage row. */
  async function expectNothingCharged(org: string) {
    const balance = await getJson(`/v1/orgs/${org}/balance`);
    expect(balance).toMatchObject({ available: STARTER_CREDITS, held: 0, plan: { remaining: STARTER_CREDITS }, promotional: { remaining: 0 } });
    expect((await getJson(`/v1/orgs/${org}/usage`)).items).toEqual([]);
    expect(await count('usage_records', org)).toBe(0);
    expect(await count('holds', org)).toBe(0);
  }

  return { getJson, count, snapshot, expectNothingCharged };
}

let sequence = 0;
const next = () => `${++sequence}-${Date.now().toString(36)}`;

export const usageBody = (extra: Record<string, unknown> = {}) => ({ idempotency_key: `validation-${next()}`, user_id: 'user-1', feature: 'assistant', action: 'chat', tokens: 1_000, ...extra });
export const authorizeBody = (extra: Record<string, unknown> = {}) => ({ user_id: 'user-1', feature: 'assistant', action: 'chat', ...extra });
export const grantBody = (extra: Record<string, unknown> = {}) => ({ source: 'promotional', credits: 50, reason: 'validation test', ...extra });
export function newOrgBody(extra: Record<string, unknown> = {}) {
  const n = next();
  return {
    id: `vorg-${n}`,
    name: 'Validation Org',
    plan: 'starter',
    billing_address: { country: 'US', region: 'CA' },
    admin: { email: `admin-${n}@validation.test`, name: 'Admin' },
    ...extra,
  };
}
export const memberBody = (extra: Record<string, unknown> = {}) => ({ email: `member-${next()}@validation.test`, name: 'Member', role: 'member', ...extra });

/** Every endpoint that takes a JSON body, with a body it would accept. */
export const BODY_ENDPOINTS: readonly { name: string; method: string; path: (org: string) => string; body: () => Record<string, unknown> }[] = [
  { name: 'POST /v1/orgs/{org}/ai/usage', method: 'POST', path: (org) => `/v1/orgs/${org}/ai/usage`, body: () => usageBody() },
  { name: 'POST /v1/orgs/{org}/ai/authorize', method: 'POST', path: (org) => `/v1/orgs/${org}/ai/authorize`, body: () => authorizeBody() },
  { name: 'POST /v1/orgs/{org}/grants', method: 'POST', path: (org) => `/v1/orgs/${org}/grants`, body: () => grantBody() },
  { name: 'POST /v1/orgs', method: 'POST', path: () => '/v1/orgs', body: () => newOrgBody() },
  { name: 'PUT /v1/orgs/{org}/settings/ai-features', method: 'PUT', path: (org) => `/v1/orgs/${org}/settings/ai-features`, body: () => ({ modules: { reports: false } }) },
  { name: 'PUT /v1/orgs/{org}/settings/on-demand', method: 'PUT', path: (org) => `/v1/orgs/${org}/settings/on-demand`, body: () => ({ enabled: true, monthly_limit_credits: 10 }) },
  { name: 'PUT /v1/orgs/{org}/settings/notifications', method: 'PUT', path: (org) => `/v1/orgs/${org}/settings/notifications`, body: () => ({ low_balance_threshold: 5 }) },
  { name: 'POST /v1/orgs/{org}/members', method: 'POST', path: (org) => `/v1/orgs/${org}/members`, body: () => memberBody() },
  { name: 'POST /v1/test-clock/advance', method: 'POST', path: () => '/v1/test-clock/advance', body: () => ({ seconds: 60 }) },
];

/** The endpoints whose path names an org. */
export const ORG_ENDPOINTS = BODY_ENDPOINTS.filter((endpoint) => endpoint.path('ORG').includes('ORG'));
