import { sql, type Kysely } from 'kysely';

/**
 * The ledger engine (issue 13): one cycle writes the effects of many orgs' requests.
 * - Row-level security scopes a transaction to the set of orgs it locked: `loupe.org_id` holds
 *   their ids separated by commas (an org id never contains one).
 * - Events the cycle publishes are written as outbox rows (`fan_out_pending`) and fanned out to
 *   notifications, e-mails and webhook deliveries after the commit, by their own use case.
 * - A period that closed is written as a `period_closings` row; its invoice (and its number, from
 *   the global counter) is issued after the commit, outside the metering transaction.
 * - `org_balances.next_due_at` says when the org's ledger next needs maintenance (a period end, a
 *   grant or hold expiry), so the balance read is one row.
 */
const ORG_OWNED_TABLES = [
  'orgs', 'memberships', 'subscriptions', 'org_settings', 'org_balances', 'grants', 'holds', 'ledger_entries', 'usage_records',
  'contracts', 'payment_methods', 'invoices', 'invoice_lines', 'pending_invoice_items', 'credit_purchases', 'payments', 'events',
  'notifications', 'email_messages', 'webhook_endpoints', 'webhook_deliveries', 'webhook_attempts', 'auto_recharges', 'invitations',
] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE events ADD COLUMN fan_out_pending boolean NOT NULL DEFAULT false;
    CREATE INDEX events_fan_out_pending ON events (org_id) WHERE fan_out_pending;

    CREATE TABLE period_closings (
      org_id text NOT NULL REFERENCES orgs,
      closed_period_start timestamptz NOT NULL,
      closing jsonb NOT NULL,
      created_at timestamptz NOT NULL,
      invoiced_at timestamptz,
      PRIMARY KEY (org_id, closed_period_start)
    );
    CREATE INDEX period_closings_pending ON period_closings (org_id) WHERE invoiced_at IS NULL;
    GRANT SELECT, INSERT, UPDATE, DELETE ON period_closings TO loupe_app;
    ALTER TABLE period_closings ENABLE ROW LEVEL SECURITY;

    ALTER TABLE org_balances ADD COLUMN next_due_at timestamptz;
    UPDATE org_balances b SET next_due_at = least(
      (SELECT s.current_period_end FROM subscriptions s WHERE s.org_id = b.org_id AND s.status <> 'canceled'),
      (SELECT min(g.expires_at) FROM grants g WHERE g.org_id = b.org_id AND g.remaining_credits > 0),
      (SELECT min(h.expires_at) FROM holds h WHERE h.org_id = b.org_id AND h.status = 'active'));
  `.execute(db);
  for (const table of [...ORG_OWNED_TABLES, 'period_closings']) {
    await sql`DROP POLICY IF EXISTS org_scope ON ${sql.table(table)}`.execute(db);
    await sql`
      CREATE POLICY org_scope ON ${sql.table(table)} TO loupe_app
        USING (org_id = ANY (string_to_array(current_setting('loupe.org_id', true), ',')))
        WITH CHECK (org_id = ANY (string_to_array(current_setting('loupe.org_id', true), ',')))
    `.execute(db);
  }
}
