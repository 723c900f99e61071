import { sql } from 'kysely';
import type { Db } from './database.js';

/**
 * Serialises changes to one org's cards for the rest of the transaction (adding, removing and
 * choosing the default), so simultaneous calls never leave no default or two. An advisory lock, not
 * the org row, so metering on the same org never waits for it.
 */
export async function lockPaymentMethods(tx: Db, orgId: string): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`payment_methods:${orgId}`}, 0))`.execute(tx);
}

export async function listPaymentMethods(db: Db, orgId: string) {
  return db
    .selectFrom('payment_methods')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('removed_at', 'is', null)
    .orderBy('created_at')
    .orderBy('payment_method_id')
    .execute();
}

/** Each card's latest charge, when it failed: when and the provider's code (cards charged since 0012). */
export async function latestFailedCharges(db: Db, orgId: string): Promise<Map<string, { at: Date; failureCode: string | null }>> {
  const rows = await sql<{ payment_method_id: string; status: string; failure_code: string | null; created_at: Date }>`
    SELECT DISTINCT ON (payment_method_id) payment_method_id, status, failure_code, created_at
    FROM payments
    WHERE org_id = ${orgId} AND payment_method_id IS NOT NULL
    ORDER BY payment_method_id, created_at DESC, payment_id DESC`.execute(db);
  return new Map(rows.rows.filter((row) => row.status === 'failed').map((row) => [row.payment_method_id, { at: row.created_at, failureCode: row.failure_code }]));
}

export async function findPaymentMethod(db: Db, orgId: string, paymentMethodId: string) {
  return db
    .selectFrom('payment_methods')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('payment_method_id', '=', paymentMethodId)
    .where('removed_at', 'is', null)
    .executeTakeFirst();
}

export async function findDefaultPaymentMethod(db: Db, orgId: string) {
  return db
    .selectFrom('payment_methods')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('removed_at', 'is', null)
    .where('is_default', '=', true)
    .executeTakeFirst();
}

export async function insertPaymentMethod(
  tx: Db,
  row: { orgId: string; paymentMethodId: string; provider: string; providerRef: string; brand: string; last4: string; expMonth: number; expYear: number; isDefault: boolean; now: Date },
): Promise<void> {
  await tx
    .insertInto('payment_methods')
    .values({
      org_id: row.orgId,
      payment_method_id: row.paymentMethodId,
      provider: row.provider,
      provider_ref: row.providerRef,
      brand: row.brand,
      last4: row.last4,
      exp_month: row.expMonth,
      exp_year: row.expYear,
      is_default: row.isDefault,
      created_at: row.now,
      removed_at: null,
    })
    .execute();
}

/** Makes one card the default; the partial unique index allows only one per org. */
export async function setDefaultPaymentMethod(tx: Db, orgId: string, paymentMethodId: string): Promise<void> {
  await tx.updateTable('payment_methods').set({ is_default: false }).where('org_id', '=', orgId).where('is_default', '=', true).execute();
  await tx
    .updateTable('payment_methods')
    .set({ is_default: true })
    .where('org_id', '=', orgId)
    .where('payment_method_id', '=', paymentMethodId)
    .where('removed_at', 'is', null)
    .execute();
}

export async function removePaymentMethod(tx: Db, orgId: string, paymentMethodId: string, now: Date): Promise<void> {
  await tx
    .updateTable('payment_methods')
    .set({ removed_at: now, is_default: false })
    .where('org_id', '=', orgId)
    .where('payment_method_id', '=', paymentMethodId)
    .execute();
}
