import { sql, type Kysely } from 'kysely';

/**
 * Grants drawn at the same rank (the same expiry, or none) go oldest first (SPEC §4). Two grants made
 * at the same instant (a promotional grant and a purchase) have equal `created_at`, and their ids are
 * random, so creation order needs a number of its own: a sequence, assigned on insert. Existing
 * grants are numbered by the entry that created them (`ledger_entries.entry_id` is itself a sequence),
 * which is their true creation order.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE grants ADD COLUMN creation_order bigint;
    UPDATE grants g SET creation_order = numbered.creation_order
    FROM (
      SELECT grants.org_id, grants.grant_id,
        row_number() OVER (ORDER BY first_entry.entry_id NULLS LAST, grants.created_at, grants.grant_id) AS creation_order
      FROM grants
      LEFT JOIN LATERAL (
        SELECT min(e.entry_id) AS entry_id FROM ledger_entries e
        WHERE e.org_id = grants.org_id AND e.grant_id = grants.grant_id AND e.kind = 'grant') first_entry ON true
    ) numbered
    WHERE g.org_id = numbered.org_id AND g.grant_id = numbered.grant_id;
    ALTER TABLE grants ALTER COLUMN creation_order SET NOT NULL;
    ALTER TABLE grants ALTER COLUMN creation_order ADD GENERATED ALWAYS AS IDENTITY;
    SELECT setval(pg_get_serial_sequence('grants', 'creation_order'), coalesce(max(creation_order), 0) + 1, false) FROM grants;
    GRANT USAGE, SELECT ON SEQUENCE grants_creation_order_seq TO loupe_app;
    CREATE UNIQUE INDEX grants_creation_order ON grants (org_id, creation_order);
  `.execute(db);
}
