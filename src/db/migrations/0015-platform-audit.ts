import { sql, type Kysely } from 'kysely';

/**
 * Changes that belong to no org (the platform's API keys) are audited too: their entries have no
 * org_id and are read only with the platform key (`GET /v1/audit-log`). Under row-level security
 * such rows are invisible to an org's scoped transaction, since NULL never equals the org in scope.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE audit_events DROP CONSTRAINT audit_events_pkey;
    ALTER TABLE audit_events ALTER COLUMN org_id DROP NOT NULL;
    ALTER TABLE audit_events ADD PRIMARY KEY (audit_id);
    CREATE INDEX audit_events_platform_newest ON audit_events (at DESC, seq DESC) WHERE org_id IS NULL;
  `.execute(db);
}
