import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEPT_TABLES, PURGED_TABLES } from '../src/db/purge.js';
import { startHarness, type Harness } from './support/harness.js';

/**
 * The purge (SPEC §9) deletes an org's data 30 days after its cancellation and keeps its financial
 * records. Its list is its own (the frozen migrations' lists are history), so this reads the real
 * schema: a new table with an org_id column that the purge neither deletes nor keeps on purpose fails here.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

async function tablesWithOrgId(): Promise<string[]> {
  const { rows } = await sql<{ table_name: string }>`
    SELECT c.table_name FROM information_schema.columns c
    JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
    WHERE c.table_schema = 'public' AND c.column_name = 'org_id' AND t.table_type = 'BASE TABLE'
    ORDER BY c.table_name`.execute(h.db);
  return rows.map((row) => row.table_name);
}

describe('the purge', () => {
  it('deletes or keeps on purpose every table with an org_id column', async () => {
    const classified = new Set<string>([...PURGED_TABLES, ...Object.keys(KEPT_TABLES)]);
    expect((await tablesWithOrgId()).filter((table) => !classified.has(table))).toEqual([]);
  });

  it('names only tables that exist and have an org_id column, each once', async () => {
    const tables = new Set(await tablesWithOrgId());
    const named = [...PURGED_TABLES, ...Object.keys(KEPT_TABLES)];
    expect(named.filter((table) => !tables.has(table))).toEqual([]);
    expect(named.length).toBe(new Set(named).size);
  });
});
