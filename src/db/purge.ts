import { sql } from 'kysely';
import type { Db } from './database.js';

/**
 * The org's data the purge deletes, in an order its foreign keys allow (attempts before deliveries
 * before endpoints). With KEPT_TABLES it names every table with an org_id column: test/purge.test.ts
 * reads the schema and fails on one named in neither, so a new table must be classified here.
 */
export const PURGED_TABLES = [
  'usage_records',
  'ledger_entries',
  'holds',
  'grants',
  'org_balances',
  'org_settings',
  'user_limit_overrides',
  'user_limit_alerts',
  'memberships',
  'invitations',
  'payment_methods',
  'credit_purchases',
  'pending_invoice_items',
  'notifications',
  'email_messages',
  'webhook_attempts',
  'webhook_deliveries',
  'webhook_endpoints',
  'auto_recharges',
  'events',
  'contracts',
] as const;

/** The tables with an org_id column the purge keeps, and why. */
export const KEPT_TABLES: Readonly<Record<string, string>> = {
  orgs: 'marked purged, not deleted: the invoices name it',
  subscriptions: 'kept with the org row: its canceled status and purge date say why the org is gone',
  invoices: 'the financial archive',
  invoice_lines: 'the financial archive',
  payments: 'the financial archive',
  refunds: 'the financial archive (credit notes)',
  disputes: 'the financial archive (chargebacks)',
  period_closings: 'what each period invoice was issued from',
  audit_events: 'entries about money stay with the financial archive; the others are deleted',
  provider_events: "the payment provider's event log, for deduplication; not the org's data",
  platform_audit_events: "the platform's own log; its org_id is always null",
};

/** Orgs whose 30 days after cancellation are over. */
export async function orgsDueForPurge(db: Db, now: Date, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('subscriptions')
    .innerJoin('orgs', 'orgs.org_id', 'subscriptions.org_id')
    .select('subscriptions.org_id')
    .where('subscriptions.status', '=', 'canceled')
    .where('subscriptions.purge_after', '<=', now)
    .where('orgs.purged_at', 'is', null)
    .limit(limit)
    .execute();
  return rows.map((row) => row.org_id);
}

/**
 * Deletes an org's data except its financial records: invoices, their lines and the payments stay
 * (in the archive, no longer readable by the org). The org row stays, marked purged, because the
 * invoices name it. Idempotent: a purged org is skipped.
 */
export async function purgeOrgData(db: Db, orgId: string, now: Date): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    const org = await tx.selectFrom('orgs').select('purged_at').where('org_id', '=', orgId).forUpdate().executeTakeFirst();
    if (!org || org.purged_at !== null) return false;
    // The ledger is append-only except for this purge, which says so for its own transaction.
    await sql`SELECT set_config('loupe.purging', 'on', true)`.execute(tx);
    for (const table of PURGED_TABLES) {
      await tx.deleteFrom(table).where('org_id', '=', orgId).execute();
    }
    // Audit entries about money stay with the financial archive (invoices); the others go.
    await tx.deleteFrom('audit_events').where('org_id', '=', orgId).where('money', '=', false).execute();
    await tx.updateTable('orgs').set({ purged_at: now, provider_customer_id: null }).where('org_id', '=', orgId).execute();
    return true;
  });
}
