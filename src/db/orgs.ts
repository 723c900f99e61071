import type { Db } from './database.js';
import type { BillingAddress, OrgRow, OrgSettingsRow, SubscriptionRow } from './schema.js';

export interface NewOrg {
  readonly orgId: string;
  readonly name: string;
  readonly billingAddress: BillingAddress;
  readonly vatId: string | null;
  readonly subscription: SubscriptionRow;
  readonly now: Date;
}

/** Inserts an org with its subscription, default settings and an empty balance row. */
export async function insertOrg(tx: Db, org: NewOrg): Promise<void> {
  await tx
    .insertInto('orgs')
    .values({
      org_id: org.orgId,
      name: org.name,
      billing_address: JSON.stringify(org.billingAddress),
      vat_id: org.vatId,
      created_at: org.now,
    })
    .execute();
  const { subscription } = org;
  const pendingChange = subscription.pending_change === null ? null : JSON.stringify(subscription.pending_change);
  await tx.insertInto('subscriptions').values({ ...subscription, pending_change: pendingChange }).execute();
  await tx
    .insertInto('org_settings')
    .values({ org_id: org.orgId, disabled_modules: [], on_demand_enabled: false, monthly_limit_credits: 0, low_balance_threshold: null, notification_emails: [], updated_at: org.now })
    .execute();
  await tx
    .insertInto('org_balances')
    .values({
      org_id: org.orgId,
      plan_credits: 0,
      purchased_credits: 0,
      promotional_credits: 0,
      held_credits: 0,
      overage_used_credits: 0,
      overage_period_start: org.subscription.current_period_start,
      updated_at: org.now,
    })
    .execute();
}

/** Locks the org row, which serialises member changes (adds, removes, role changes, accepted invitations). */
export async function lockOrg(tx: Db, orgId: string) {
  return tx.selectFrom('orgs').select(['org_id', 'name']).where('org_id', '=', orgId).forUpdate().executeTakeFirst();
}

/** As lockOrg, for an org known to exist: a missing row throws. */
export async function lockExistingOrg(tx: Db, orgId: string): Promise<void> {
  await tx.selectFrom('orgs').select('org_id').where('org_id', '=', orgId).forUpdate().executeTakeFirstOrThrow();
}

/** The org row, purged or not (a purged org's invoices still name it); a missing row throws. */
export async function getOrgRow(db: Db, orgId: string): Promise<OrgRow> {
  return db.selectFrom('orgs').selectAll().where('org_id', '=', orgId).executeTakeFirstOrThrow();
}

/** Whether the org row is there at all, purged or not. */
export async function orgRowExists(db: Db, orgId: string): Promise<boolean> {
  const row = await db.selectFrom('orgs').select('org_id').where('org_id', '=', orgId).executeTakeFirst();
  return row !== undefined;
}

/** Whether the database holds any org at all (an empty one gets the demo org). */
export async function anyOrgExists(db: Db): Promise<boolean> {
  const row = await db.selectFrom('orgs').select('org_id').limit(1).executeTakeFirst();
  return row !== undefined;
}

export async function updateOrgProfile(db: Db, orgId: string, change: { name?: string | undefined; billingAddress?: BillingAddress | undefined; vatId?: string | null | undefined }): Promise<void> {
  await db
    .updateTable('orgs')
    .set({
      ...(change.name !== undefined ? { name: change.name } : {}),
      ...(change.billingAddress !== undefined ? { billing_address: JSON.stringify(change.billingAddress) } : {}),
      ...(change.vatId !== undefined ? { vat_id: change.vatId } : {}),
    })
    .where('org_id', '=', orgId)
    .execute();
}

/** The org's name and its customer at the payment provider (null until first needed). */
export async function findOrgCustomer(db: Db, orgId: string) {
  return db.selectFrom('orgs').select(['name', 'provider_customer_id']).where('org_id', '=', orgId).executeTakeFirst();
}

/** Records the provider's customer unless one was recorded already (a concurrent first need). */
export async function setOrgCustomer(db: Db, orgId: string, customerId: string): Promise<void> {
  await db.updateTable('orgs').set({ provider_customer_id: customerId }).where('org_id', '=', orgId).where('provider_customer_id', 'is', null).execute();
}

/** Purged orgs do not exist for anyone: their invoices are kept, but not readable. */
export async function orgExists(db: Db, orgId: string): Promise<boolean> {
  const row = await db.selectFrom('orgs').select('org_id').where('org_id', '=', orgId).where('purged_at', 'is', null).executeTakeFirst();
  return row !== undefined;
}

/** Which of these orgs exist and are not purged (one query, whatever the number). */
export async function existingOrgs(db: Db, orgIds: readonly string[]): Promise<Set<string>> {
  if (orgIds.length === 0) return new Set();
  const rows = await db.selectFrom('orgs').select('org_id').where('org_id', 'in', [...new Set(orgIds)]).where('purged_at', 'is', null).execute();
  return new Set(rows.map((row) => row.org_id));
}

export interface OrgView {
  readonly org: OrgRow;
  readonly subscription: SubscriptionRow;
  readonly settings: OrgSettingsRow;
}

export async function findOrg(db: Db, orgId: string): Promise<OrgView | undefined> {
  const org = await db.selectFrom('orgs').selectAll().where('org_id', '=', orgId).where('purged_at', 'is', null).executeTakeFirst();
  if (!org) return undefined;
  const [subscription, settings] = await Promise.all([
    db.selectFrom('subscriptions').selectAll().where('org_id', '=', orgId).executeTakeFirstOrThrow(),
    db.selectFrom('org_settings').selectAll().where('org_id', '=', orgId).executeTakeFirstOrThrow(),
  ]);
  return { org, subscription, settings };
}

/** The extra addresses the org's events are e-mailed to, besides its admins. */
export async function findNotificationEmails(db: Db, orgId: string): Promise<string[]> {
  const settings = await db.selectFrom('org_settings').select('notification_emails').where('org_id', '=', orgId).executeTakeFirst();
  return settings?.notification_emails ?? [];
}

export type SettingsChange = Partial<
  Pick<
    OrgSettingsRow,
    | 'disabled_modules'
    | 'on_demand_enabled'
    | 'monthly_limit_credits'
    | 'low_balance_threshold'
    | 'notification_emails'
    | 'auto_recharge_enabled'
    | 'auto_recharge_threshold_credits'
    | 'auto_recharge_amount_credits'
    | 'auto_recharge_paused_at'
  >
>;

export async function updateSettings(tx: Db, orgId: string, change: SettingsChange, now: Date): Promise<OrgSettingsRow> {
  return tx
    .updateTable('org_settings')
    .set({ ...change, updated_at: now })
    .where('org_id', '=', orgId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * Orgs with ledger work due at `now` (a period end passed, a grant or a hold expired), in org id
 * order after `after`: a run pages past an org whose work failed instead of picking it again.
 */
export async function orgsWithDueLedgerWork(db: Db, now: Date, limit: number, after: string | null = null): Promise<string[]> {
  const due = db
    .selectFrom('subscriptions')
    .select('org_id')
    .where('status', '<>', 'canceled')
    .where('current_period_end', '<=', now)
    .union(db.selectFrom('grants').select('org_id').where('remaining_credits', '>', 0).where('expires_at', '<=', now))
    .union(db.selectFrom('holds').select('org_id').where('status', '=', 'active').where('expires_at', '<=', now));
  let query = db.selectFrom(due.as('due')).select('due.org_id').orderBy('due.org_id').limit(limit);
  if (after !== null) query = query.where('due.org_id', '>', after);
  const rows = await query.execute();
  return rows.map((row) => row.org_id);
}
