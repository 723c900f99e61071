import { sql, type Kysely } from 'kysely';

/**
 * Changes that belong to no org (the platform's API keys) are audited too, in a table of their own
 * with the same columns (org_id always null), read only with the platform key (`GET /v1/audit-log`).
 * Append-only like the org log; it is never purged.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE platform_audit_events (
      org_id text CHECK (org_id IS NULL),
      audit_id text PRIMARY KEY,
      at timestamptz NOT NULL,
      seq bigint GENERATED ALWAYS AS IDENTITY,
      actor_kind text NOT NULL CHECK (actor_kind IN ('user', 'api_key', 'system')),
      actor_id text,
      actor_name text,
      action text NOT NULL,
      target text,
      before jsonb,
      after jsonb,
      ip text,
      user_agent text,
      money boolean NOT NULL DEFAULT false
    );
    CREATE INDEX platform_audit_events_newest ON platform_audit_events (at DESC, seq DESC);
    CREATE FUNCTION platform_audit_events_are_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'audit events are append-only (% refused)', TG_OP;
    END $$;
    CREATE TRIGGER platform_audit_events_append_only BEFORE UPDATE OR DELETE ON platform_audit_events
      FOR EACH ROW EXECUTE FUNCTION platform_audit_events_are_immutable();
    REVOKE UPDATE, DELETE ON platform_audit_events FROM loupe_app;
  `.execute(db);
}
