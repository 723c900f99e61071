import type { Db } from './database.js';
import type { PendingChange, SubscriptionRow, SubscriptionStatus } from './schema.js';

/** The org's subscription; every org has one, so a missing row throws. */
export async function findSubscription(db: Db, orgId: string): Promise<SubscriptionRow> {
  return db.selectFrom('subscriptions').selectAll().where('org_id', '=', orgId).executeTakeFirstOrThrow();
}

/** Moves the subscription from one status to another; a subscription in any other status is left alone. */
export async function changeSubscriptionStatus(tx: Db, input: { orgId: string; from: SubscriptionStatus; to: SubscriptionStatus }): Promise<void> {
  await tx.updateTable('subscriptions').set({ status: input.to }).where('org_id', '=', input.orgId).where('status', '=', input.from).execute();
}

/** The change asked of the provider and not yet confirmed by it. */
export async function setPendingChange(tx: Db, orgId: string, pending: PendingChange): Promise<void> {
  await tx.updateTable('subscriptions').set({ pending_change: JSON.stringify(pending) }).where('org_id', '=', orgId).execute();
}

export async function setProviderSubscriptionId(db: Db, orgId: string, providerSubscriptionId: string | null): Promise<void> {
  await db.updateTable('subscriptions').set({ provider_subscription_id: providerSubscriptionId }).where('org_id', '=', orgId).execute();
}
