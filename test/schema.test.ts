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
  'test_clock',
  'invoice_counter', // one gapless sequence of invoice numbers
  'provider_events', // keyed by the provider's event id; org_id is filled in when known
  'builtin_charges', // the built-in provider's own records, keyed by its idempotency key
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
