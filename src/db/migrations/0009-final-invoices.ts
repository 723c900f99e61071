import { sql, type Kysely } from 'kysely';

/**
 * A canceled term's final invoice (the overage and prorations left to bill, SPEC §8–9) covers the
 * period that just closed, whose own period invoice was issued when it began: the two share
 * `period_start`. `closes_term` tells them apart, so each period still has at most one invoice of
 * each sort.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE invoices ADD COLUMN closes_term boolean NOT NULL DEFAULT false;
    DROP INDEX invoices_one_per_period;
    CREATE UNIQUE INDEX invoices_one_per_period ON invoices (org_id, period_start, closes_term) WHERE kind = 'period';
  `.execute(db);
}
