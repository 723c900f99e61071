import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness.js';

/**
 * The schema can be distributed by org (Citus, docs/scaling.md) only if every org-owned table keys on
 * org_id first. The tables that are not org-owned are named here, so a new table must be classified.
 */
const GLOBAL_TABLES = [
  'users', // a user may belong to several orgs (memberships are org-owned)
  'sessions',
  'api_keys',
  'platform_audit_events', // the platform's own changes (API keys), which belong to no org
  'test_clock',
  'invoice_counter', // one gapless sequence of invoice numbers
  'credit_note_counter', // and one of credit note numbers
  'provider_events', // keyed by the provider's event id; org_id is filled in when known
  'builtin_charges', // the built-in provider's own records, keyed by its idempotency key
  'builtin_refunds',
  'builtin_disputes',
  'login_failures', // failed sign-ins per e-mail, for the lockout
  'kysely_migration',
  'kysely_migration_lock',
];

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

describe('distribution by org', () => {
  it('every org-owned table has org_id as the first column of its primary key', async () => {
    const { rows } = await sql<{ table_name: string; first_key_column: string | null }>`
      SELECT t.table_name,
        (SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
          WHERE i.indrelid = (quote_ident(t.table_schema) || '.' || quote_ident(t.table_name))::regclass AND i.indisprimary) AS first_key_column
      FROM information_schema.tables t
      WHERE t.table_schema = 'public' AND t.table_type = 'BASE TABLE'
      ORDER BY t.table_name`.execute(h.db);
    const orgOwned = rows.filter((row) => !GLOBAL_TABLES.includes(row.table_name));
    expect(orgOwned.length).toBeGreaterThan(20);
    for (const table of orgOwned) expect(table.first_key_column, table.table_name).toBe('org_id');
    expect(rows.map((row) => row.table_name)).toEqual(expect.arrayContaining(GLOBAL_TABLES.filter((name) => !name.startsWith('kysely'))));
  });
});

describe('row-level security', () => {
  it('every org-owned table has row-level security with the org_scope policy for loupe_app', async () => {
    const { rows } = await sql<{ table_name: string; rls: boolean; policies: number }>`
      SELECT c.relname AS table_name, c.relrowsecurity AS rls,
        (SELECT count(*)::int FROM pg_policies p WHERE p.tablename = c.relname AND p.policyname = 'org_scope') AS policies
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind = 'r'`.execute(h.db);
    const orgOwned = rows.filter((row) => !GLOBAL_TABLES.includes(row.table_name));
    for (const table of orgOwned) expect({ table: table.table_name, rls: table.rls, policies: table.policies }).toEqual({ table: table.table_name, rls: true, policies: 1 });
  });

  it('inside an org’s transaction, a query that forgets its org filter sees only that org, and cannot write another', async () => {
    const { withOrgLedger } = await import('../src/billing/org-ledger.js');
    const a = await h.createOrg();
    const b = await h.createOrg();
    for (const [org, key] of [[a, 'a1'], [b, 'b1'], [b, 'b2']] as const) {
      await h.api('POST', `/v1/orgs/${org}/ai/usage`, { idempotency_key: key, user_id: 'u', feature: 'assistant', action: 'chat', tokens: 10 });
    }
    const seen = await withOrgLedger(h.deps, a, async ({ tx, book }) => {
      // Deliberately without "WHERE org_id = …".
      const all = await sql<{ org_id: string }>`SELECT org_id FROM usage_records`.execute(tx);
      const theirs = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ledger_entries WHERE org_id = ${b}`.execute(tx);
      const orgs = await sql<{ org_id: string }>`SELECT org_id FROM orgs`.execute(tx);
      return { book, result: { usage: all.rows.map((row) => row.org_id), theirs: theirs.rows[0]?.n, orgs: orgs.rows.map((row) => row.org_id) } };
    });
    expect(seen).toEqual({ usage: [a], theirs: 0, orgs: [a] });
    await expect(
      withOrgLedger(h.deps, a, async ({ tx, book }) => {
        await sql`UPDATE org_settings SET on_demand_enabled = true WHERE org_id = ${b}`.execute(tx);
        const count = await sql<{ n: number }>`SELECT count(*)::int AS n FROM org_settings WHERE on_demand_enabled`.execute(tx);
        await sql`INSERT INTO events (org_id, event_id, type, data, created_at) VALUES (${b}, 'evt_x', 'balance.low', '{}', now())`.execute(tx);
        return { book, result: count.rows[0]?.n };
      }),
    ).rejects.toThrow(/row-level security/);
    const settingsOfB = await h.api('GET', `/v1/orgs/${b}/settings/on-demand`);
    expect(settingsOfB.json().enabled).toBe(false);
  });
});
