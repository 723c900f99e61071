import { sql, type Kysely } from 'kysely';

/**
 * The audit log (issue 16): one append-only row per change of money or access, written in the same
 * transaction as the change. A trigger refuses UPDATE and DELETE, as for the ledger; only the purge
 * (loupe.purging) may delete, and it keeps the entries about money (`money`) with the financial archive.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE audit_events (
      org_id text NOT NULL REFERENCES orgs,
      audit_id text NOT NULL,
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
      money boolean NOT NULL DEFAULT false,
      PRIMARY KEY (org_id, audit_id)
    );
    CREATE INDEX audit_events_newest ON audit_events (org_id, at DESC, seq DESC);
    CREATE FUNCTION audit_events_are_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' AND current_setting('loupe.purging', true) = 'on' AND NOT OLD.money THEN
        RETURN OLD;
      END IF;
      RAISE EXCEPTION 'audit events are append-only (% refused)', TG_OP;
    END $$;
    CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
      FOR EACH ROW EXECUTE FUNCTION audit_events_are_immutable();
    GRANT SELECT, INSERT ON audit_events TO loupe_app;
    REVOKE UPDATE, DELETE ON audit_events FROM loupe_app;
    ALTER TABLE audit_events ENABLE ROW LEVEL SECURITY;
    CREATE POLICY org_scope ON audit_events TO loupe_app
      USING (org_id = ANY (string_to_array(current_setting('loupe.org_id', true), ',')))
      WITH CHECK (org_id = ANY (string_to_array(current_setting('loupe.org_id', true), ',')));
  `.execute(db);
}
