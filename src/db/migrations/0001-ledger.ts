import { sql, type Kysely } from 'kysely';

/**
 * The first schema: identity, subscriptions, settings and the credit ledger. Every org-owned table
 * has org_id as the first column of its primary key, so it can be distributed by org on Citus.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE orgs (
      org_id text PRIMARY KEY,
      name text NOT NULL,
      billing_address jsonb NOT NULL,
      vat_id text,
      created_at timestamptz NOT NULL
    );

    CREATE TABLE users (
      user_id text PRIMARY KEY,
      email text NOT NULL UNIQUE CHECK (email = lower(email)),
      name text NOT NULL,
      password_hash text,
      created_at timestamptz NOT NULL
    );

    CREATE TABLE memberships (
      org_id text NOT NULL REFERENCES orgs,
      user_id text NOT NULL REFERENCES users,
      role text NOT NULL CHECK (role IN ('admin', 'member')),
      created_at timestamptz NOT NULL,
      PRIMARY KEY (org_id, user_id)
    );
    CREATE INDEX memberships_by_user ON memberships (user_id);

    CREATE TABLE sessions (
      session_hash text PRIMARY KEY,
      user_id text NOT NULL REFERENCES users ON DELETE CASCADE,
      csrf_token text NOT NULL,
      created_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL
    );

    CREATE TABLE api_keys (
      key_id text PRIMARY KEY,
      key_hash text NOT NULL UNIQUE,
      name text NOT NULL,
      created_at timestamptz NOT NULL,
      revoked_at timestamptz
    );

    CREATE TABLE subscriptions (
      org_id text PRIMARY KEY REFERENCES orgs,
      plan_id text NOT NULL,
      status text NOT NULL CHECK (status IN ('active', 'past_due', 'canceled')),
      anchor_at timestamptz NOT NULL,
      period_unit text NOT NULL CHECK (period_unit IN ('month', 'year')),
      period_index integer NOT NULL CHECK (period_index >= 0),
      current_period_start timestamptz NOT NULL,
      current_period_end timestamptz NOT NULL CHECK (current_period_end > current_period_start),
      cancel_at_period_end boolean NOT NULL DEFAULT false,
      scheduled_plan_id text,
      updated_at timestamptz NOT NULL
    );
    CREATE INDEX subscriptions_due ON subscriptions (current_period_end) WHERE status <> 'canceled';

    CREATE TABLE org_settings (
      org_id text PRIMARY KEY REFERENCES orgs,
      disabled_modules text[] NOT NULL DEFAULT '{}',
      on_demand_enabled boolean NOT NULL DEFAULT false,
      monthly_limit_credits bigint NOT NULL DEFAULT 0 CHECK (monthly_limit_credits >= 0),
      low_balance_threshold bigint CHECK (low_balance_threshold >= 0),
      notification_emails text[] NOT NULL DEFAULT '{}',
      updated_at timestamptz NOT NULL
    );

    -- The org's lock row (every money-moving transaction starts with SELECT ... FOR UPDATE on it)
    -- and a cache of its totals; the ledger entries are the truth, the audit compares the two.
    CREATE TABLE org_balances (
      org_id text PRIMARY KEY REFERENCES orgs,
      plan_credits bigint NOT NULL CHECK (plan_credits >= 0),
      purchased_credits bigint NOT NULL CHECK (purchased_credits >= 0),
      promotional_credits bigint NOT NULL CHECK (promotional_credits >= 0),
      held_credits bigint NOT NULL CHECK (held_credits >= 0),
      overage_used_credits bigint NOT NULL CHECK (overage_used_credits >= 0),
      overage_period_start timestamptz NOT NULL,
      updated_at timestamptz NOT NULL
    );

    CREATE TABLE grants (
      org_id text NOT NULL REFERENCES orgs,
      grant_id text NOT NULL,
      bucket text NOT NULL CHECK (bucket IN ('plan', 'purchased', 'promotional')),
      reason text NOT NULL,
      granted_credits bigint NOT NULL CHECK (granted_credits > 0),
      remaining_credits bigint NOT NULL CHECK (remaining_credits >= 0 AND remaining_credits <= granted_credits),
      expires_at timestamptz,
      period_start timestamptz,
      note text,
      created_at timestamptz NOT NULL,
      PRIMARY KEY (org_id, grant_id)
    );
    -- Plan credits are granted exactly once per org and period.
    CREATE UNIQUE INDEX grants_one_plan_grant_per_period ON grants (org_id, period_start) WHERE reason = 'plan_period_grant';
    CREATE INDEX grants_live ON grants (org_id) WHERE remaining_credits > 0;
    CREATE INDEX grants_expiring ON grants (expires_at) WHERE remaining_credits > 0 AND expires_at IS NOT NULL;

    CREATE TABLE holds (
      org_id text NOT NULL REFERENCES orgs,
      hold_id text NOT NULL,
      credits bigint NOT NULL CHECK (credits > 0),
      status text NOT NULL CHECK (status IN ('active', 'settled', 'released', 'expired')),
      user_id text NOT NULL,
      feature text NOT NULL,
      action text NOT NULL,
      created_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL,
      closed_at timestamptz,
      PRIMARY KEY (org_id, hold_id)
    );
    CREATE INDEX holds_active ON holds (org_id) WHERE status = 'active';
    CREATE INDEX holds_expiring ON holds (expires_at) WHERE status = 'active';

    CREATE TABLE ledger_entries (
      org_id text NOT NULL REFERENCES orgs,
      entry_id bigint GENERATED ALWAYS AS IDENTITY,
      created_at timestamptz NOT NULL,
      kind text NOT NULL CHECK (kind IN ('grant', 'usage', 'overage', 'hold', 'hold_release', 'expiry', 'adjustment')),
      reason text NOT NULL,
      account text NOT NULL CHECK (account IN ('plan', 'purchased', 'promotional', 'held', 'overage')),
      credits bigint NOT NULL CHECK (credits <> 0),
      grant_id text,
      hold_id text,
      usage_id text,
      period_start timestamptz,
      limit_credits bigint,
      note text,
      PRIMARY KEY (org_id, entry_id)
    );
    CREATE INDEX ledger_entries_by_usage ON ledger_entries (org_id, usage_id) WHERE usage_id IS NOT NULL;

    -- The ledger is append-only: a correction is a new entry.
    CREATE FUNCTION ledger_entries_are_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'ledger entries are append-only (% refused)', TG_OP;
    END $$;
    CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
      FOR EACH ROW EXECUTE FUNCTION ledger_entries_are_immutable();

    CREATE TABLE usage_records (
      org_id text NOT NULL REFERENCES orgs,
      usage_id text NOT NULL,
      idempotency_key text NOT NULL,
      request_hash text NOT NULL,
      hold_id text,
      user_id text NOT NULL,
      user_name text,
      feature text NOT NULL,
      action text NOT NULL,
      tokens bigint NOT NULL CHECK (tokens >= 0),
      credits bigint NOT NULL CHECK (credits >= 1),
      charged_credits bigint NOT NULL CHECK (charged_credits >= 0),
      uncollected_credits bigint NOT NULL CHECK (uncollected_credits >= 0),
      occurred_at timestamptz NOT NULL,
      recorded_at timestamptz NOT NULL,
      response text NOT NULL,
      PRIMARY KEY (org_id, usage_id),
      UNIQUE (org_id, idempotency_key),
      CHECK (charged_credits + uncollected_credits = credits)
    );
    CREATE INDEX usage_records_newest ON usage_records (org_id, occurred_at DESC, usage_id DESC);

    CREATE TABLE test_clock (
      id boolean PRIMARY KEY DEFAULT true CHECK (id),
      now timestamptz NOT NULL
    );
  `.execute(db);
}
