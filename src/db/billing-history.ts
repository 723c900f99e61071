import { sql } from 'kysely';
import type { Db } from './database.js';

export interface HistoryRow {
  readonly kind: 'subscription_charge' | 'credit_purchase' | 'payment_failed' | 'credit_note';
  readonly id: string;
  readonly occurred_at: Date;
  readonly description: string;
  readonly amount_cents: number;
  readonly currency: string;
  readonly status: string;
  readonly invoice_id: string | null;
  readonly invoice_number: number | null;
  /** The provider's code of a failed payment (payment_failed only): domain/payment-failures.ts words it. */
  readonly failure_code: string | null;
  /** A credit note's number in its CN series (credit_note only). */
  readonly credit_note_number: number | null;
}

/**
 * Billing history (SPEC §8): subscription charges (period invoices), credit purchases (with their
 * invoice when paid, or the decline; `disputed` while a card dispute of the charge is open), failed payment attempts and credit notes (refunds the provider
 * confirmed and lost card disputes, with the purchase's invoice they credit), newest first, by keyset.
 */
export async function listBillingHistory(db: Db, orgId: string, page: { limit: number; after?: { at: Date; id: string } | undefined }): Promise<HistoryRow[]> {
  const after = page.after ? sql`WHERE (occurred_at, id) < (${page.after.at}, ${page.after.id})` : sql``;
  const { rows } = await sql<HistoryRow>`
    SELECT * FROM (
      SELECT 'subscription_charge' AS kind, i.invoice_id AS id, i.issued_at AS occurred_at,
             i.plan_name || ' plan' AS description, i.total_cents AS amount_cents, i.currency, i.status,
             i.invoice_id, i.number AS invoice_number, NULL::text AS failure_code, NULL::bigint AS credit_note_number
        FROM invoices i WHERE i.org_id = ${orgId} AND i.kind = 'period'
      UNION ALL
      SELECT 'credit_purchase', p.purchase_id, p.created_at,
             CASE WHEN p.auto_recharge THEN 'Auto-recharge: ' ELSE '' END || to_char(p.credits, 'FM999,999,999') || ' AI credits',
             p.total_cents, p.currency,
             CASE WHEN EXISTS (SELECT 1 FROM disputes d WHERE d.org_id = p.org_id AND d.purchase_id = p.purchase_id AND d.status = 'open')
               THEN 'disputed' ELSE p.status END,
             p.invoice_id, i.number, NULL, NULL
        FROM credit_purchases p LEFT JOIN invoices i ON i.org_id = p.org_id AND i.invoice_id = p.invoice_id
       WHERE p.org_id = ${orgId}
      UNION ALL
      SELECT 'payment_failed', y.payment_id, y.created_at, 'Payment failed',
             y.amount_cents, y.currency, 'failed', y.invoice_id, i.number, y.failure_code, NULL
        FROM payments y JOIN invoices i ON i.org_id = y.org_id AND i.invoice_id = y.invoice_id
       WHERE y.org_id = ${orgId} AND y.status = 'failed'
      UNION ALL
      SELECT 'credit_note', r.credit_note_id, r.updated_at,
             CASE WHEN r.kind = 'dispute_lost' THEN 'Card dispute lost: ' ELSE 'Refund of ' END || to_char(r.credits, 'FM999,999,999') || ' AI credits',
             r.total_cents, r.currency, 'refunded', p.invoice_id, i.number, NULL, r.credit_note_number
        FROM refunds r
        JOIN credit_purchases p ON p.org_id = r.org_id AND p.purchase_id = r.purchase_id
        LEFT JOIN invoices i ON i.org_id = p.org_id AND i.invoice_id = p.invoice_id
       WHERE r.org_id = ${orgId} AND r.status = 'succeeded'
    ) history
    ${after}
    ORDER BY occurred_at DESC, id DESC
    LIMIT ${page.limit}`.execute(db);
  return rows;
}
