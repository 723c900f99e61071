import { sql, type Kysely } from 'kysely';

/**
 * The card a payment was charged to, for the receipt an invoice shows ("Paid with Visa •••• 4242").
 * Null for payments recorded before it was kept, and for outcomes a provider event reports alone.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE payments ADD COLUMN payment_method_id text`.execute(db);
}
