import { sql, type Kysely } from 'kysely';

/**
 * Notifications (SPEC §10): in-app notifications for admins, e-mails, outgoing webhooks with their
 * delivery log, and auto-recharge requests. Every row that waits for delivery carries its own due
 * time and lease, so any number of dispatchers can share the work and a crash loses nothing.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE org_settings ADD COLUMN auto_recharge_enabled boolean NOT NULL DEFAULT false;
    ALTER TABLE org_settings ADD COLUMN auto_recharge_threshold_credits bigint CHECK (auto_recharge_threshold_credits >= 0);
    ALTER TABLE org_settings ADD COLUMN auto_recharge_amount_credits bigint CHECK (auto_recharge_amount_credits > 0);
    ALTER TABLE org_settings ADD COLUMN auto_recharge_paused_at timestamptz;

    CREATE TABLE notifications (
      org_id text NOT NULL REFERENCES orgs,
      notification_id text NOT NULL,
      event_id text NOT NULL,
      user_id text NOT NULL,
      type text NOT NULL,
      title text NOT NULL,
      body text NOT NULL,
      created_at timestamptz NOT NULL,
      read_at timestamptz,
      PRIMARY KEY (org_id, notification_id)
    );
    CREATE INDEX notifications_by_user ON notifications (org_id, user_id, created_at DESC);

    CREATE TABLE email_messages (
      org_id text NOT NULL REFERENCES orgs,
      message_id text NOT NULL,
      event_id text NOT NULL,
      to_address text NOT NULL,
      subject text NOT NULL,
      body text NOT NULL,
      status text NOT NULL CHECK (status IN ('pending', 'sent', 'kept', 'failed')),
      attempts integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz,
      locked_until timestamptz,
      last_error text,
      sent_at timestamptz,
      created_at timestamptz NOT NULL,
      PRIMARY KEY (org_id, message_id)
    );
    CREATE INDEX email_messages_due ON email_messages (next_attempt_at) WHERE status = 'pending';

    CREATE TABLE webhook_endpoints (
      org_id text NOT NULL REFERENCES orgs,
      endpoint_id text NOT NULL,
      url text NOT NULL,
      events text[] NOT NULL,
      secret text NOT NULL,
      status text NOT NULL CHECK (status IN ('enabled', 'disabled')),
      disabled_at timestamptz,
      created_at timestamptz NOT NULL,
      deleted_at timestamptz,
      PRIMARY KEY (org_id, endpoint_id)
    );

    CREATE TABLE webhook_deliveries (
      org_id text NOT NULL REFERENCES orgs,
      delivery_id text NOT NULL,
      endpoint_id text NOT NULL,
      event_id text NOT NULL,
      status text NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
      attempts integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz,
      locked_until timestamptz,
      last_status_code integer,
      last_error text,
      first_attempt_at timestamptz,
      delivered_at timestamptz,
      created_at timestamptz NOT NULL,
      PRIMARY KEY (org_id, delivery_id),
      UNIQUE (org_id, endpoint_id, event_id)
    );
    CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';

    CREATE TABLE webhook_attempts (
      org_id text NOT NULL REFERENCES orgs,
      delivery_id text NOT NULL,
      attempt integer NOT NULL,
      attempted_at timestamptz NOT NULL,
      status_code integer,
      error text,
      duration_ms integer NOT NULL,
      PRIMARY KEY (org_id, delivery_id, attempt)
    );

    CREATE TABLE auto_recharges (
      org_id text NOT NULL REFERENCES orgs,
      recharge_id text NOT NULL,
      credits bigint NOT NULL CHECK (credits > 0),
      status text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
      purchase_id text,
      failure_code text,
      locked_until timestamptz,
      created_at timestamptz NOT NULL,
      PRIMARY KEY (org_id, recharge_id)
    );
    CREATE INDEX auto_recharges_pending ON auto_recharges (created_at) WHERE status = 'pending';
  `.execute(db);
}
