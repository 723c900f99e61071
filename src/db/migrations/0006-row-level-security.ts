import { sql, type Kysely } from 'kysely';

/**
 * Row-level security on every org-owned table, as a second line behind the access checks: an org's
 * ledger transaction runs as the role loupe_app with `loupe.org_id` set to that org, and then any
 * query on an org-owned table sees and writes only that org's rows, even one that forgot its
 * `WHERE org_id = …`. Outside such a transaction (jobs that scan all orgs, migrations) the owner's
 * connection is used and the policies do not apply.
 */
export const ORG_OWNED_TABLES = [
  'orgs', 'memberships', 'subscriptions', 'org_settings', 'org_balances', 'grants', 'holds', 'ledger_entries', 'usage_records',
  'contracts', 'payment_methods', 'invoices', 'invoice_lines', 'pending_invoice_items', 'credit_purchases', 'payments', 'events',
  'notifications', 'email_messages', 'webhook_endpoints', 'webhook_deliveries', 'webhook_attempts', 'auto_recharges',
] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    DO $$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'loupe_app') THEN CREATE ROLE loupe_app NOLOGIN; END IF;
    END $$;
    GRANT loupe_app TO CURRENT_USER;
    GRANT USAGE ON SCHEMA public TO loupe_app;
    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO loupe_app;
    GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO loupe_app;
    ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO loupe_app;
    ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO loupe_app;
  `.execute(db);
  for (const table of ORG_OWNED_TABLES) {
    await sql`
      ALTER TABLE ${sql.table(table)} ENABLE ROW LEVEL SECURITY;
      CREATE POLICY org_scope ON ${sql.table(table)} TO loupe_app
        USING (org_id = current_setting('loupe.org_id', true))
        WITH CHECK (org_id = current_setting('loupe.org_id', true));
    `.execute(db);
  }
}
