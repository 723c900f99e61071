import { sql, type Kysely } from 'kysely';

/**
 * Money changing hands: payment methods, credit purchases, payments, invoices with their lines,
 * enterprise contracts, provider events, the event outbox, and what cancellation and purge need.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE orgs ADD COLUMN provider_customer_id text;
    ALTER TABLE orgs ADD COLUMN purged_at timestamptz;

    ALTER TABLE subscriptions ADD COLUMN provider_subscription_id text;
    ALTER TABLE subscriptions ADD COLUMN pending_change jsonb;
    ALTER TABLE subscriptions ADD COLUMN canceled_at timestamptz;
    ALTER TABLE subscriptions ADD COLUMN purge_after timestamptz;
    ALTER TABLE subscriptions ADD COLUMN last_provider_event_at timestamptz;
    CREATE INDEX subscriptions_purge_due ON subscriptions (purge_after) WHERE purge_after IS NOT NULL;

    CREATE TABLE contracts (
      org_id text PRIMARY KEY REFERENCES orgs,
      terms jsonb NOT NULL,
      updated_at timestamptz NOT NULL
    );

    CREATE TABLE payment_methods (
      org_id text NOT NULL REFERENCES orgs,
      payment_method_id text NOT NULL,
      provider text NOT NULL,
      provider_ref text NOT NULL,
      brand text NOT NULL,
      last4 text NOT NULL CHECK (last4 ~ '^[0-9]{4}$'),
      exp_month integer NOT NULL CHECK (exp_month BETWEEN 1 AND 12),
      exp_year integer NOT NULL,
      is_default boolean NOT NULL DEFAULT false,
      created_at timestamptz NOT NULL,
      removed_at timestamptz,
      PRIMARY KEY (org_id, payment_method_id)
    );
    CREATE UNIQUE INDEX payment_methods_one_default ON payment_methods (org_id) WHERE is_default AND removed_at IS NULL;

    -- Invoice numbers are sequential without gaps: the counter row is taken in the issuing
    -- transaction, so a rolled-back invoice gives its number back.
    CREATE TABLE invoice_counter (
      id boolean PRIMARY KEY DEFAULT true CHECK (id),
      last_number bigint NOT NULL
    );
    INSERT INTO invoice_counter (last_number) VALUES (0);

    CREATE TABLE invoices (
      org_id text NOT NULL REFERENCES orgs,
      invoice_id text NOT NULL,
      number bigint NOT NULL UNIQUE,
      kind text NOT NULL CHECK (kind IN ('period', 'credit_purchase')),
      status text NOT NULL CHECK (status IN ('open', 'paid', 'void')),
      currency text NOT NULL,
      period_start timestamptz NOT NULL,
      period_end timestamptz NOT NULL,
      plan_id text NOT NULL,
      plan_name text NOT NULL,
      plan_base_price_cents bigint NOT NULL,
      seller jsonb NOT NULL,
      billing_address jsonb NOT NULL,
      tax jsonb NOT NULL,
      tax_note text,
      subtotal_cents bigint NOT NULL,
      tax_cents bigint NOT NULL CHECK (tax_cents >= 0),
      total_cents bigint NOT NULL CHECK (total_cents = subtotal_cents + tax_cents),
      issued_at timestamptz NOT NULL,
      paid_at timestamptz,
      attempts integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz,
      last_failure_code text,
      PRIMARY KEY (org_id, invoice_id)
    );
    CREATE INDEX invoices_newest ON invoices (org_id, issued_at DESC, number DESC);
    CREATE INDEX invoices_collect_due ON invoices (next_attempt_at) WHERE status = 'open';
    -- One period invoice per org and period.
    CREATE UNIQUE INDEX invoices_one_per_period ON invoices (org_id, period_start) WHERE kind = 'period';

    CREATE TABLE invoice_lines (
      org_id text NOT NULL,
      invoice_id text NOT NULL,
      line_number integer NOT NULL,
      kind text NOT NULL CHECK (kind IN ('subscription', 'credit_purchase', 'overage', 'proration', 'adjustment')),
      description text NOT NULL,
      quantity bigint NOT NULL,
      unit_price_cents bigint NOT NULL,
      amount_cents bigint NOT NULL,
      -- Overage lines: the period whose overage they bill.
      period_start timestamptz,
      PRIMARY KEY (org_id, invoice_id, line_number),
      FOREIGN KEY (org_id, invoice_id) REFERENCES invoices
    );

    -- Charges that wait for the next period invoice (prorations of upgrades).
    CREATE TABLE pending_invoice_items (
      org_id text NOT NULL REFERENCES orgs,
      item_id text NOT NULL,
      kind text NOT NULL,
      description text NOT NULL,
      quantity bigint NOT NULL,
      unit_price_cents bigint NOT NULL,
      amount_cents bigint NOT NULL,
      created_at timestamptz NOT NULL,
      invoice_id text,
      PRIMARY KEY (org_id, item_id)
    );

    CREATE TABLE credit_purchases (
      org_id text NOT NULL REFERENCES orgs,
      purchase_id text NOT NULL,
      idempotency_key text NOT NULL,
      request_hash text NOT NULL,
      credits bigint NOT NULL CHECK (credits > 0),
      unit_price_cents bigint NOT NULL,
      amount_cents bigint NOT NULL,
      tax_cents bigint NOT NULL,
      total_cents bigint NOT NULL,
      currency text NOT NULL,
      status text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
      failure_code text,
      payment_method_id text,
      provider_payment_id text,
      invoice_id text,
      grant_id text,
      auto_recharge boolean NOT NULL DEFAULT false,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      PRIMARY KEY (org_id, purchase_id),
      UNIQUE (org_id, idempotency_key)
    );

    CREATE TABLE payments (
      org_id text NOT NULL REFERENCES orgs,
      payment_id text NOT NULL,
      invoice_id text,
      purchase_id text,
      provider text NOT NULL,
      provider_payment_id text,
      amount_cents bigint NOT NULL CHECK (amount_cents >= 0),
      currency text NOT NULL,
      status text NOT NULL CHECK (status IN ('succeeded', 'failed')),
      failure_code text,
      created_at timestamptz NOT NULL,
      PRIMARY KEY (org_id, payment_id)
    );

    -- Provider events (Stripe webhooks, the built-in provider's confirmations), once each.
    CREATE TABLE provider_events (
      event_id text PRIMARY KEY,
      type text NOT NULL,
      org_id text,
      received_at timestamptz NOT NULL,
      outcome text NOT NULL
    );

    -- The transactional outbox: written with the change that causes it, delivered later.
    CREATE TABLE events (
      org_id text NOT NULL REFERENCES orgs,
      event_id text NOT NULL,
      type text NOT NULL,
      data jsonb NOT NULL,
      created_at timestamptz NOT NULL,
      PRIMARY KEY (org_id, event_id)
    );

    -- The built-in provider's own record of charges (it stands for the payment network), by key.
    CREATE TABLE builtin_charges (
      idempotency_key text PRIMARY KEY,
      charge_id text NOT NULL,
      amount_cents bigint NOT NULL,
      currency text NOT NULL,
      status text NOT NULL,
      failure_code text,
      created_at timestamptz NOT NULL
    );

    -- A purge deletes an org's ledger: only the purge job may, by setting loupe.purging.
    CREATE OR REPLACE FUNCTION ledger_entries_are_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' AND current_setting('loupe.purging', true) = 'on' THEN
        RETURN OLD;
      END IF;
      RAISE EXCEPTION 'ledger entries are append-only (% refused)', TG_OP;
    END $$;
  `.execute(db);
}
