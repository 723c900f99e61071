import type { Db } from './database.js';
import type { CreditPurchasesTable } from './schema.js';
import type { Insertable, Selectable } from 'kysely';

export type PurchaseRow = Selectable<CreditPurchasesTable>;

/** Inserts a pending purchase; undefined when its idempotency key is taken (a duplicate). */
export async function insertPurchase(db: Db, row: Insertable<CreditPurchasesTable>): Promise<PurchaseRow | undefined> {
  return db
    .insertInto('credit_purchases')
    .values(row)
    .onConflict((conflict) => conflict.columns(['org_id', 'idempotency_key']).doNothing())
    .returningAll()
    .executeTakeFirst();
}

export async function findPurchaseByKey(db: Db, orgId: string, idempotencyKey: string) {
  return db.selectFrom('credit_purchases').selectAll().where('org_id', '=', orgId).where('idempotency_key', '=', idempotencyKey).executeTakeFirst();
}

export async function lockPurchase(tx: Db, orgId: string, purchaseId: string) {
  return tx.selectFrom('credit_purchases').selectAll().where('org_id', '=', orgId).where('purchase_id', '=', purchaseId).forUpdate().executeTakeFirst();
}

export async function updatePurchase(
  tx: Db,
  orgId: string,
  purchaseId: string,
  change: Partial<Pick<PurchaseRow, 'status' | 'failure_code' | 'provider_payment_id' | 'invoice_id' | 'grant_id' | 'updated_at'>>,
): Promise<void> {
  await tx.updateTable('credit_purchases').set(change).where('org_id', '=', orgId).where('purchase_id', '=', purchaseId).execute();
}

export async function listPurchases(db: Db, orgId: string, limit: number) {
  return db.selectFrom('credit_purchases').selectAll().where('org_id', '=', orgId).orderBy('created_at', 'desc').orderBy('purchase_id', 'desc').limit(limit).execute();
}

/** The provider's payment behind a purchase (null while none succeeded); the purchase must exist. */
export async function purchasePaymentId(db: Db, orgId: string, purchaseId: string): Promise<string | null> {
  const row = await db.selectFrom('credit_purchases').select(['provider_payment_id']).where('org_id', '=', orgId).where('purchase_id', '=', purchaseId).executeTakeFirstOrThrow();
  return row.provider_payment_id;
}

/** Purchases of every org still pending since `cutoff` or earlier, oldest first. */
export async function listPendingPurchasesSince(db: Db, cutoff: Date, limit: number) {
  return db
    .selectFrom('credit_purchases')
    .select(['org_id', 'purchase_id'])
    .where('status', '=', 'pending')
    .where('created_at', '<=', cutoff)
    .orderBy('created_at')
    .limit(limit)
    .execute();
}

/** Every purchase of the org, oldest first (its data export). */
export async function listAllPurchases(db: Db, orgId: string) {
  return db.selectFrom('credit_purchases').selectAll().where('org_id', '=', orgId).orderBy('created_at').execute();
}

/** The purchase a provider payment paid for, in any org (a dispute names the payment, not the org). */
export async function findPurchaseByPayment(db: Db, providerPaymentId: string) {
  return db.selectFrom('credit_purchases').select(['org_id', 'purchase_id']).where('provider_payment_id', '=', providerPaymentId).executeTakeFirst();
}
