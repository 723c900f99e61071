import { sql, type Kysely } from 'kysely';

/**
 * Refunds (issue 17): a purchase's unused credits taken back, their price and tax paid back through
 * the provider, and a credit note (its own gapless series CN-000001…, numbered once the provider
 * confirmed the refund) referencing the purchase's invoice. A refund is `pending` from the moment
 * its credits leave the ledger until the provider confirms it (a retry or the reconciliation job
 * finishes it with the same idempotency key); the credit note exists only for `succeeded` ones.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_kind_check;
    ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_kind_check
      CHECK (kind IN ('grant', 'usage', 'overage', 'hold', 'hold_release', 'expiry', 'adjustment', 'refund'));
    CREATE TABLE refunds (
      org_id text NOT NULL REFERENCES orgs,
      refund_id text NOT NULL,
      purchase_id text NOT NULL,
      grant_id text NOT NULL,
      idempotency_key text,
      request_hash text NOT NULL,
      reason text NOT NULL,
      credits bigint NOT NULL CHECK (credits > 0),
      amount_cents bigint NOT NULL CHECK (amount_cents >= 0),
      tax_cents bigint NOT NULL CHECK (tax_cents >= 0),
      total_cents bigint NOT NULL CHECK (total_cents = amount_cents + tax_cents),
      currency text NOT NULL,
      status text NOT NULL CHECK (status IN ('pending', 'succeeded')),
      provider_refund_id text,
      credit_note_id text UNIQUE,
      credit_note_number bigint UNIQUE,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      PRIMARY KEY (org_id, refund_id),
      UNIQUE (org_id, purchase_id, idempotency_key),
      CHECK ((status = 'succeeded') = (credit_note_number IS NOT NULL))
    );
    CREATE INDEX refunds_pending ON refunds (created_at) WHERE status = 'pending';
    CREATE TABLE credit_note_counter (
      singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
      last_number bigint NOT NULL
    );
    INSERT INTO credit_note_counter (last_number) VALUES (0);
    CREATE TABLE builtin_refunds (
      idempotency_key text PRIMARY KEY,
      refund_id text NOT NULL,
      charge_id text NOT NULL,
      amount_cents bigint NOT NULL,
      currency text NOT NULL,
      created_at timestamptz NOT NULL
    );
    ALTER TABLE refunds ENABLE ROW LEVEL SECURITY;
    CREATE POLICY org_scope ON refunds TO loupe_app
      USING (org_id = current_setting('loupe.org_id', true))
      WITH CHECK (org_id = current_setting('loupe.org_id', true));
  `.execute(db);
}
