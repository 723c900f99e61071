import { sql, type Kysely } from 'kysely';

/**
 * Per-member monthly credit limits (issue 16): a default for every user of the host app and per-user
 * overrides (a null override = no limit for that user), counted per billing period inside the ledger
 * cycle, under the org's lock, so concurrent authorizes of one user are exact.
 * - `org_settings.user_limits_set` says whether the org has any limit: orgs without limits load nothing more.
 * - A user's credits this period are the sum of their usage recorded since the period start (an index
 *   on (org_id, user_id, recorded_at) that holds the credits answers it from the index alone).
 * - `user_limit_alerts` remembers the 80% and 100% alerts sent for a user in a period: once per crossing.
 * - ledger_lock_and_load gains the users a cycle names and returns their limits; ledger_write the alerts.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE org_settings ADD COLUMN user_limit_default_credits bigint CHECK (user_limit_default_credits >= 0);
    ALTER TABLE org_settings ADD COLUMN user_limits_set boolean NOT NULL DEFAULT false;

    CREATE TABLE user_limit_overrides (
      org_id text NOT NULL REFERENCES orgs,
      user_id text NOT NULL,
      monthly_credits bigint CHECK (monthly_credits >= 0),
      updated_at timestamptz NOT NULL,
      PRIMARY KEY (org_id, user_id)
    );
    CREATE TABLE user_limit_alerts (
      org_id text NOT NULL REFERENCES orgs,
      user_id text NOT NULL,
      period_start timestamptz NOT NULL,
      kind text NOT NULL CHECK (kind IN ('warning', 'reached')),
      created_at timestamptz NOT NULL,
      PRIMARY KEY (org_id, user_id, period_start, kind)
    );
    CREATE INDEX usage_records_user_period ON usage_records (org_id, user_id, recorded_at) INCLUDE (credits);
    GRANT SELECT, INSERT, UPDATE, DELETE ON user_limit_overrides, user_limit_alerts TO loupe_app;
    ALTER TABLE user_limit_overrides ENABLE ROW LEVEL SECURITY;
    ALTER TABLE user_limit_alerts ENABLE ROW LEVEL SECURITY;
    DROP FUNCTION ledger_lock_and_load(text[], text[], text[], text[], text[]);
  `.execute(db);
  for (const table of ['user_limit_overrides', 'user_limit_alerts']) {
    await sql`
      CREATE POLICY org_scope ON ${sql.table(table)} TO loupe_app
        USING (org_id = ANY (string_to_array(current_setting('loupe.org_id', true), ',')))
        WITH CHECK (org_id = ANY (string_to_array(current_setting('loupe.org_id', true), ',')))
    `.execute(db);
  }
  await sql.raw(`
    CREATE FUNCTION ledger_lock_and_load(p_org_ids text[], p_key_orgs text[], p_keys text[], p_hold_orgs text[], p_hold_ids text[], p_user_orgs text[], p_users text[])
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
          'holds', coalesce((SELECT json_agg(json_build_object('id', h.hold_id, 'credits', h.credits, 'expires_at', h.expires_at, 'user_id', h.user_id))
            FROM holds h WHERE h.org_id = b.org_id AND h.status = 'active'), '[]'),
          'used_keys', coalesce((SELECT json_agg(json_build_object('key', u.idempotency_key, 'hash', u.request_hash, 'response', u.response))
            FROM unnest(p_key_orgs, p_keys) AS k (org_id, key)
            CROSS JOIN LATERAL (SELECT * FROM usage_records WHERE org_id = k.org_id AND idempotency_key = k.key ORDER BY org_id, idempotency_key LIMIT 1) AS u
            WHERE k.org_id = b.org_id), '[]'),
          'named_holds', coalesce((SELECT json_agg(json_build_object('id', h.hold_id, 'credits', h.credits, 'status', h.status))
            FROM unnest(p_hold_orgs, p_hold_ids) AS n (org_id, hold_id)
            CROSS JOIN LATERAL (SELECT * FROM holds WHERE org_id = n.org_id AND hold_id = n.hold_id ORDER BY org_id, hold_id LIMIT 1) AS h
            WHERE n.org_id = b.org_id), '[]'),
          -- Per-member limits (only when the org has any): each named user's limit, credits this period and alerts sent.
          'user_limits', CASE WHEN st.user_limits_set THEN coalesce((SELECT json_agg(json_build_object('user_id', x.user_id,
              'limit', CASE WHEN ov.user_id IS NULL THEN st.user_limit_default_credits ELSE ov.monthly_credits END,
              'used', (SELECT coalesce(sum(r.credits), 0) FROM usage_records r
                WHERE r.org_id = b.org_id AND r.user_id = x.user_id AND r.recorded_at >= s.current_period_start),
              'alerts', coalesce((SELECT json_agg(a.kind) FROM user_limit_alerts a
                WHERE a.org_id = b.org_id AND a.user_id = x.user_id AND a.period_start = s.current_period_start), '[]')))
            FROM (SELECT DISTINCT u.user_id FROM unnest(p_user_orgs, p_users) AS u (org_id, user_id) WHERE u.org_id = b.org_id) AS x
            LEFT JOIN user_limit_overrides ov ON ov.org_id = b.org_id AND ov.user_id = x.user_id), '[]') ELSE '[]' END)
        FROM org_balances b
        JOIN orgs o ON o.org_id = b.org_id
        JOIN subscriptions s ON s.org_id = b.org_id
        JOIN org_settings st ON st.org_id = b.org_id
        WHERE b.org_id = ANY(p_org_ids);
    END $fn$;
    GRANT EXECUTE ON FUNCTION ledger_lock_and_load(text[], text[], text[], text[], text[], text[], text[]) TO loupe_app;
    CREATE OR REPLACE FUNCTION ledger_write(p_now timestamptz, p jsonb) RETURNS void LANGUAGE plpgsql AS $fn$
    BEGIN
      IF p ? 'grants' THEN
        INSERT INTO grants (org_id, grant_id, bucket, reason, granted_credits, remaining_credits, expires_at, period_start, note, created_at)
        SELECT g.org_id, g.grant_id, g.bucket, g.reason, g.granted_credits, g.remaining_credits, g.expires_at, g.period_start, g.note, g.created_at
        FROM jsonb_to_recordset(p->'grants') AS g (n int, org_id text, grant_id text, bucket text, reason text, granted_credits bigint,
          remaining_credits bigint, expires_at timestamptz, period_start timestamptz, note text, created_at timestamptz)
        ORDER BY g.n;
      END IF;
      IF p ? 'drawn' THEN
        UPDATE grants SET remaining_credits = d.remaining_credits
        FROM jsonb_to_recordset(p->'drawn') AS d (org_id text, grant_id text, remaining_credits bigint)
        WHERE grants.org_id = d.org_id AND grants.grant_id = d.grant_id;
      END IF;
      IF p ? 'new_holds' THEN
        INSERT INTO holds (org_id, hold_id, credits, status, user_id, feature, action, created_at, expires_at, closed_at)
        SELECT h.org_id, h.hold_id, h.credits, h.status, h.user_id, h.feature, h.action, h.created_at, h.expires_at, h.closed_at
        FROM jsonb_to_recordset(p->'new_holds') AS h (org_id text, hold_id text, credits bigint, status text, user_id text, feature text,
          action text, created_at timestamptz, expires_at timestamptz, closed_at timestamptz);
      END IF;
      IF p ? 'closed_holds' THEN
        UPDATE holds SET status = c.status, closed_at = p_now
        FROM jsonb_to_recordset(p->'closed_holds') AS c (org_id text, hold_id text, status text)
        WHERE holds.org_id = c.org_id AND holds.hold_id = c.hold_id AND holds.status = 'active';
      END IF;
      IF p ? 'entries' THEN
        INSERT INTO ledger_entries (org_id, created_at, kind, reason, account, credits, grant_id, hold_id, usage_id, period_start, limit_credits, note)
        SELECT e.org_id, p_now, e.kind, e.reason, e.account, e.credits, e.grant_id, e.hold_id, e.usage_id, e.period_start, e.limit_credits, e.note
        FROM jsonb_to_recordset(p->'entries') AS e (n int, org_id text, kind text, reason text, account text, credits bigint, grant_id text,
          hold_id text, usage_id text, period_start timestamptz, limit_credits bigint, note text)
        ORDER BY e.n;
      END IF;
      IF p ? 'usage' THEN
        INSERT INTO usage_records (org_id, usage_id, idempotency_key, request_hash, hold_id, user_id, user_name, feature, action,
          tokens, credits, charged_credits, uncollected_credits, occurred_at, recorded_at, response)
        SELECT u.org_id, u.usage_id, u.idempotency_key, u.request_hash, u.hold_id, u.user_id, u.user_name, u.feature, u.action,
          u.tokens, u.credits, u.charged_credits, u.uncollected_credits, u.occurred_at, u.recorded_at, u.response
        FROM jsonb_to_recordset(p->'usage') AS u (org_id text, usage_id text, idempotency_key text, request_hash text, hold_id text,
          user_id text, user_name text, feature text, action text, tokens bigint, credits bigint, charged_credits bigint,
          uncollected_credits bigint, occurred_at timestamptz, recorded_at timestamptz, response text);
      END IF;
      IF p ? 'subscriptions' THEN
        UPDATE subscriptions SET plan_id = n.plan_id, status = n.status, anchor_at = n.anchor_at, period_unit = n.period_unit,
          period_index = n.period_index, current_period_start = n.current_period_start, current_period_end = n.current_period_end,
          cancel_at_period_end = n.cancel_at_period_end, scheduled_plan_id = n.scheduled_plan_id, updated_at = n.updated_at,
          provider_subscription_id = n.provider_subscription_id, pending_change = n.pending_change, canceled_at = n.canceled_at,
          purge_after = n.purge_after, last_provider_event_at = n.last_provider_event_at
        FROM jsonb_populate_recordset(NULL::subscriptions, p->'subscriptions') AS n
        WHERE subscriptions.org_id = n.org_id;
      END IF;
      IF p ? 'events' THEN
        INSERT INTO events (org_id, event_id, type, data, created_at, fan_out_pending)
        SELECT v.org_id, v.event_id, v.type, v.data, p_now, true
        FROM jsonb_to_recordset(p->'events') AS v (n int, org_id text, event_id text, type text, data jsonb)
        ORDER BY v.n;
      END IF;
      IF p ? 'user_alerts' THEN
        INSERT INTO user_limit_alerts (org_id, user_id, period_start, kind, created_at)
        SELECT a.org_id, a.user_id, a.period_start, a.kind, p_now
        FROM jsonb_to_recordset(p->'user_alerts') AS a (org_id text, user_id text, period_start timestamptz, kind text)
        ON CONFLICT DO NOTHING;
      END IF;
      IF p ? 'recharges' THEN
        INSERT INTO auto_recharges (org_id, recharge_id, credits, status, purchase_id, failure_code, locked_until, created_at)
        SELECT r.org_id, r.recharge_id, r.credits, 'pending', NULL, NULL, NULL, p_now
        FROM jsonb_to_recordset(p->'recharges') AS r (org_id text, recharge_id text, credits bigint);
      END IF;
      IF p ? 'closings' THEN
        INSERT INTO period_closings (org_id, closed_period_start, closing, created_at)
        SELECT c.org_id, c.closed_period_start, c.closing, p_now
        FROM jsonb_to_recordset(p->'closings') AS c (org_id text, closed_period_start timestamptz, closing jsonb);
      END IF;
      UPDATE org_balances SET plan_credits = t.plan_credits, purchased_credits = t.purchased_credits,
        promotional_credits = t.promotional_credits, held_credits = t.held_credits, overage_used_credits = t.overage_used_credits,
        overage_period_start = t.overage_period_start, next_due_at = t.next_due_at, updated_at = p_now
      FROM jsonb_to_recordset(p->'totals') AS t (org_id text, plan_credits bigint, purchased_credits bigint, promotional_credits bigint,
        held_credits bigint, overage_used_credits bigint, overage_period_start timestamptz, next_due_at timestamptz)
      WHERE org_balances.org_id = t.org_id;
    END $fn$;
  `).execute(db);
}
