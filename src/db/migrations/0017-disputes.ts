import { sql, type Kysely } from 'kysely';

/**
 * Card disputes (issue 17). When a cardholder disputes a credit purchase, the purchase's unused
 * credits move out of its grant into the `frozen` ledger account (entries of kind `dispute`, reason
 * `dispute_opened`), so nothing can spend them; a won dispute moves them back (`dispute_won`), a lost
 * one takes them away for good (kind `dispute_lost`) and records the money the card network took
 * back as a refund of kind `dispute_lost`, with its credit note. A lost dispute may take money back
 * for credits already used, so such a refund can be of 0 credits.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_kind_check;
    ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_kind_check
      CHECK (kind IN ('grant', 'usage', 'overage', 'hold', 'hold_release', 'expiry', 'adjustment', 'refund', 'dispute', 'dispute_lost'));
    ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_account_check;
    ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_account_check
      CHECK (account IN ('plan', 'purchased', 'promotional', 'held', 'overage', 'frozen'));
    ALTER TABLE refunds ADD COLUMN kind text NOT NULL DEFAULT 'refund' CHECK (kind IN ('refund', 'dispute_lost'));
    ALTER TABLE refunds DROP CONSTRAINT refunds_credits_check;
    ALTER TABLE refunds ADD CONSTRAINT refunds_credits_check CHECK (credits > 0 OR (kind = 'dispute_lost' AND credits = 0));
    CREATE TABLE disputes (
      org_id text NOT NULL REFERENCES orgs,
      dispute_id text NOT NULL,
      provider_dispute_id text NOT NULL UNIQUE,
      purchase_id text NOT NULL,
      grant_id text NOT NULL,
      status text NOT NULL CHECK (status IN ('open', 'won', 'lost')),
      frozen_credits bigint NOT NULL CHECK (frozen_credits >= 0),
      amount_cents bigint NOT NULL CHECK (amount_cents >= 0),
      currency text NOT NULL,
      reason text NOT NULL,
      refund_id text,
      opened_at timestamptz NOT NULL,
      closed_at timestamptz,
      PRIMARY KEY (org_id, dispute_id),
      CHECK ((status = 'open') = (closed_at IS NULL)),
      CHECK ((status = 'lost') = (refund_id IS NOT NULL))
    );
    CREATE INDEX disputes_by_purchase ON disputes (org_id, purchase_id);
    CREATE INDEX credit_purchases_by_payment ON credit_purchases (provider_payment_id) WHERE provider_payment_id IS NOT NULL;
    ALTER TABLE disputes ENABLE ROW LEVEL SECURITY;
    CREATE POLICY org_scope ON disputes TO loupe_app
      USING (org_id = current_setting('loupe.org_id', true))
      WITH CHECK (org_id = current_setting('loupe.org_id', true));
    CREATE TABLE builtin_disputes (
      dispute_id text PRIMARY KEY,
      charge_id text NOT NULL UNIQUE,
      amount_cents bigint NOT NULL,
      currency text NOT NULL,
      status text NOT NULL CHECK (status IN ('needs_response', 'won', 'lost')),
      created_at timestamptz NOT NULL,
      closed_at timestamptz
    );
  `.execute(db);
}
