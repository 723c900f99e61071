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
 * - `ledger_lock_and_load` locks a cycle's orgs and loads their books in one round trip (db/ledger-cycle.ts).
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
  await sql.raw(`
    CREATE FUNCTION ledger_lock_and_load(p_org_ids text[], p_key_orgs text[], p_keys text[], p_hold_orgs text[], p_hold_ids text[])
    RETURNS SETOF json LANGUAGE plpgsql AS $fn$
    BEGIN
      -- The lock first, in org-id order (servers sharing the database never deadlock) ...
      PERFORM 1 FROM org_balances WHERE org_id = ANY (p_org_ids) ORDER BY org_id FOR UPDATE;
      -- ... then the load, a new statement with a new snapshot: it sees what the lock waited for.
      -- The keys and holds named are looked up one by one (LATERAL … LIMIT 1) in their unique indexes.
      RETURN QUERY
      SELECT json_build_object('org_id', b.org_id, 'overage_used_credits', b.overage_used_credits, 'overage_period_start', b.overage_period_start,
          'org', row_to_json(o), 'subscription', row_to_json(s), 'settings', row_to_json(st),
          'contract', (SELECT c.terms FROM contracts c WHERE c.org_id = b.org_id),
          'grants', coalesce((SELECT json_agg(json_build_object('id', g.grant_id, 'bucket', g.bucket, 'granted', g.granted_credits,
              'remaining', g.remaining_credits, 'expires_at', g.expires_at, 'created_at', g.created_at, 'creation_order', g.creation_order,
              'reason', g.reason, 'period_start', g.period_start, 'note', g.note) ORDER BY g.creation_order)
            FROM grants g WHERE g.org_id = b.org_id AND g.remaining_credits > 0), '[]'),
          'holds', coalesce((SELECT json_agg(json_build_object('id', h.hold_id, 'credits', h.credits, 'expires_at', h.expires_at))
            FROM holds h WHERE h.org_id = b.org_id AND h.status = 'active'), '[]'),
          'used_keys', coalesce((SELECT json_agg(json_build_object('key', u.idempotency_key, 'hash', u.request_hash, 'response', u.response))
            FROM unnest(p_key_orgs, p_keys) AS k (org_id, key)
            CROSS JOIN LATERAL (SELECT * FROM usage_records WHERE org_id = k.org_id AND idempotency_key = k.key ORDER BY org_id, idempotency_key LIMIT 1) AS u
            WHERE k.org_id = b.org_id), '[]'),
          'named_holds', coalesce((SELECT json_agg(json_build_object('id', h.hold_id, 'credits', h.credits, 'status', h.status))
            FROM unnest(p_hold_orgs, p_hold_ids) AS n (org_id, hold_id)
            CROSS JOIN LATERAL (SELECT * FROM holds WHERE org_id = n.org_id AND hold_id = n.hold_id ORDER BY org_id, hold_id LIMIT 1) AS h
            WHERE n.org_id = b.org_id), '[]'))
        FROM org_balances b
        JOIN orgs o ON o.org_id = b.org_id
        JOIN subscriptions s ON s.org_id = b.org_id
        JOIN org_settings st ON st.org_id = b.org_id
        WHERE b.org_id = ANY(p_org_ids);
    END $fn$;
    GRANT EXECUTE ON FUNCTION ledger_lock_and_load(text[], text[], text[], text[], text[]) TO loupe_app;
  `).execute(db);
  for (const table of [...ORG_OWNED_TABLES, 'period_closings']) {
    await sql`DROP POLICY IF EXISTS org_scope ON ${sql.table(table)}`.execute(db);
    await sql`
      CREATE POLICY org_scope ON ${sql.table(table)} TO loupe_app
        USING (org_id = ANY (string_to_array(current_setting('loupe.org_id', true), ',')))
        WITH CHECK (org_id = ANY (string_to_array(current_setting('loupe.org_id', true), ',')))
    `.execute(db);
  }
}
