import { sql, type Kysely } from 'kysely';

/**
 * The ledger cycle's write as a function of one JSON document (db/ledger-cycle.ts): the engine sends
 * `SELECT ledger_write(…); COMMIT` as one simple query, so a cycle is two round trips, and a table the
 * cycle does not touch costs nothing (its statement is skipped). Before, the write was one statement of
 * data-modifying CTEs with 73 array parameters, every CTE run and every parameter bound on each cycle,
 * and the commit a round trip of its own (docs/performance.md measures both).
 *
 * Each array of the document holds one object per row, named like the table's columns. Grants, ledger
 * entries and events carry `n`, their place in the cycle, so that the identity columns numbering them
 * (creation order, entry id) follow it. The function runs with the caller's rights: under the
 * row-level security policy when a use case calls it (`transact`), as the owner in the engine.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw(`
    CREATE FUNCTION ledger_write(p_now timestamptz, p jsonb) RETURNS void LANGUAGE plpgsql AS $fn$
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
    GRANT EXECUTE ON FUNCTION ledger_write(timestamptz, jsonb) TO loupe_app;
  `).execute(db);
}
