import { sql } from 'kysely';
import type { Db } from './database.js';
import type { InvoiceLine, TaxLine } from '../domain/invoices.js';

export interface NewInvoice {
  readonly orgId: string;
  readonly invoiceId: string;
  readonly kind: 'period' | 'credit_purchase';
  readonly status: 'open' | 'paid';
  readonly currency: string;
  readonly periodStart: Date;
  readonly periodEnd: Date;
  readonly plan: { id: string; name: string; basePriceCents: number };
  readonly seller: Record<string, unknown>;
  readonly billingAddress: Record<string, unknown>;
  readonly lines: readonly (InvoiceLine & { periodStart?: Date | null })[];
  readonly tax: readonly TaxLine[];
  readonly taxNote: string | null;
  readonly subtotalCents: number;
  readonly taxCents: number;
  readonly totalCents: number;
  readonly issuedAt: Date;
  readonly nextAttemptAt: Date | null;
  /** A canceled term's final invoice, which shares its period with that period's own invoice. */
  readonly closesTerm: boolean;
}

/**
 * Inserts an invoice with the next number. The counter row stays locked until the caller's
 * transaction ends, so numbers are handed out in commit order without gaps.
 */
export async function insertInvoice(tx: Db, invoice: NewInvoice): Promise<number> {
  const { last_number: number } = await tx
    .updateTable('invoice_counter')
    .set((eb) => ({ last_number: eb('last_number', '+', 1) }))
    .returning('last_number')
    .executeTakeFirstOrThrow();
  await tx
    .insertInto('invoices')
    .values({
      org_id: invoice.orgId,
      invoice_id: invoice.invoiceId,
      number,
      kind: invoice.kind,
      status: invoice.status,
      currency: invoice.currency,
      period_start: invoice.periodStart,
      period_end: invoice.periodEnd,
      plan_id: invoice.plan.id,
      plan_name: invoice.plan.name,
      plan_base_price_cents: invoice.plan.basePriceCents,
      seller: JSON.stringify(invoice.seller),
      billing_address: JSON.stringify(invoice.billingAddress),
      tax: JSON.stringify(invoice.tax),
      tax_note: invoice.taxNote,
      subtotal_cents: invoice.subtotalCents,
      tax_cents: invoice.taxCents,
      total_cents: invoice.totalCents,
      issued_at: invoice.issuedAt,
      paid_at: invoice.status === 'paid' ? invoice.issuedAt : null,
      attempts: 0,
      next_attempt_at: invoice.nextAttemptAt,
      last_failure_code: null,
      closes_term: invoice.closesTerm,
    })
    .execute();
  if (invoice.lines.length > 0) {
    await tx
      .insertInto('invoice_lines')
      .values(
        invoice.lines.map((line, index) => ({
          org_id: invoice.orgId,
          invoice_id: invoice.invoiceId,
          line_number: index + 1,
          kind: line.kind,
          description: line.description,
          quantity: line.quantity,
          unit_price_cents: line.unit_price_cents,
          amount_cents: line.amount_cents,
          period_start: line.periodStart ?? null,
        })),
      )
      .execute();
  }
  return number;
}

export async function findInvoice(db: Db, orgId: string, invoiceId: string) {
  const invoice = await db.selectFrom('invoices').selectAll().where('org_id', '=', orgId).where('invoice_id', '=', invoiceId).executeTakeFirst();
  if (!invoice) return undefined;
  const lines = await db
    .selectFrom('invoice_lines')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('invoice_id', '=', invoiceId)
    .orderBy('line_number')
    .execute();
  return { invoice, lines };
}

/** The card that paid each invoice: its period payment, or the purchase it invoices. Absent when unknown. */
export async function findInvoiceCards(db: Db, orgId: string, invoiceIds: readonly string[]): Promise<Map<string, { brand: string; last4: string }>> {
  if (invoiceIds.length === 0) return new Map();
  const { rows } = await sql<{ invoice_id: string; brand: string; last4: string }>`
    SELECT DISTINCT ON (paid.invoice_id) paid.invoice_id, pm.brand, pm.last4
    FROM (
      SELECT invoice_id, payment_method_id FROM payments
        WHERE org_id = ${orgId} AND invoice_id = ANY(${invoiceIds}::text[]) AND status = 'succeeded' AND payment_method_id IS NOT NULL
      UNION ALL
      SELECT invoice_id, payment_method_id FROM credit_purchases
        WHERE org_id = ${orgId} AND invoice_id = ANY(${invoiceIds}::text[]) AND status = 'succeeded' AND payment_method_id IS NOT NULL
    ) AS paid
    JOIN payment_methods pm ON pm.org_id = ${orgId} AND pm.payment_method_id = paid.payment_method_id
    ORDER BY paid.invoice_id`.execute(db);
  return new Map(rows.map((row) => [row.invoice_id, { brand: row.brand, last4: row.last4 }]));
}

export type InvoiceRow = NonNullable<Awaited<ReturnType<typeof findInvoice>>>['invoice'];

/** Newest first, by keyset on (issued_at, number). */
export async function listInvoices(db: Db, orgId: string, page: { limit: number; after?: { issuedAt: Date; number: number } | undefined }) {
  let query = db.selectFrom('invoices').selectAll().where('org_id', '=', orgId);
  const after = page.after;
  if (after) query = query.where(sql<boolean>`(issued_at, number) < (${after.issuedAt}, ${after.number})`);
  return query.orderBy('issued_at', 'desc').orderBy('number', 'desc').limit(page.limit).execute();
}

/** The ids of every invoice of the org, in number order (its data export). */
export async function listInvoiceIds(db: Db, orgId: string) {
  return db.selectFrom('invoices').select('invoice_id').where('org_id', '=', orgId).orderBy('number').execute();
}

export async function lockInvoice(tx: Db, orgId: string, invoiceId: string) {
  return tx.selectFrom('invoices').selectAll().where('org_id', '=', orgId).where('invoice_id', '=', invoiceId).forUpdate().executeTakeFirst();
}

export async function updateInvoice(
  tx: Db,
  orgId: string,
  invoiceId: string,
  change: { status?: 'open' | 'paid' | 'void'; paid_at?: Date | null; attempts?: number; next_attempt_at?: Date | null; last_failure_code?: string | null },
): Promise<void> {
  await tx.updateTable('invoices').set(change).where('org_id', '=', orgId).where('invoice_id', '=', invoiceId).execute();
}

/** Open invoices whose next collection attempt is due. */
export async function invoicesDueForCollection(db: Db, now: Date, limit: number) {
  return db
    .selectFrom('invoices')
    .select(['org_id', 'invoice_id'])
    .where('status', '=', 'open')
    .where('next_attempt_at', '<=', now)
    .orderBy('next_attempt_at')
    .limit(limit)
    .execute();
}

/** When the invoice is next collected (null: it waits for a card), if it is still open. */
export async function setNextCollectionAttempt(db: Db, input: { orgId: string; invoiceId: string; at: Date | null }): Promise<void> {
  await db.updateTable('invoices').set({ next_attempt_at: input.at }).where('org_id', '=', input.orgId).where('invoice_id', '=', input.invoiceId).where('status', '=', 'open').execute();
}

export async function hasOpenInvoice(db: Db, orgId: string): Promise<boolean> {
  const row = await db.selectFrom('invoices').select('invoice_id').where('org_id', '=', orgId).where('status', '=', 'open').executeTakeFirst();
  return row !== undefined;
}

/** The org's open invoices whose next collection attempt is due, oldest first. */
export async function listDueInvoicesOf(db: Db, orgId: string, now: Date) {
  return db.selectFrom('invoices').select('invoice_id').where('org_id', '=', orgId).where('status', '=', 'open').where('next_attempt_at', '<=', now).orderBy('issued_at').execute();
}

export async function retryOpenInvoicesNow(tx: Db, orgId: string, now: Date): Promise<void> {
  await tx.updateTable('invoices').set({ next_attempt_at: now }).where('org_id', '=', orgId).where('status', '=', 'open').execute();
}

/** Charges waiting for the org's next period invoice, locked until the caller's transaction ends. */
export async function lockPendingItems(tx: Db, orgId: string) {
  return tx
    .selectFrom('pending_invoice_items')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('invoice_id', 'is', null)
    .orderBy('created_at')
    .forUpdate()
    .execute();
}

/** The charges waiting for the next period invoice, read without a lock (the upcoming invoice). */
export async function listPendingItems(db: Db, orgId: string) {
  return db.selectFrom('pending_invoice_items').selectAll().where('org_id', '=', orgId).where('invoice_id', 'is', null).orderBy('created_at').execute();
}

export async function assignPendingItems(tx: Db, orgId: string, itemIds: readonly string[], invoiceId: string): Promise<void> {
  if (itemIds.length === 0) return;
  await tx.updateTable('pending_invoice_items').set({ invoice_id: invoiceId }).where('org_id', '=', orgId).where('item_id', 'in', itemIds).execute();
}

export async function insertPendingItem(
  tx: Db,
  item: { orgId: string; itemId: string; kind: 'proration' | 'adjustment'; description: string; quantity: number; unitPriceCents: number; amountCents: number; now: Date },
): Promise<void> {
  await tx
    .insertInto('pending_invoice_items')
    .values({
      org_id: item.orgId,
      item_id: item.itemId,
      kind: item.kind,
      description: item.description,
      quantity: item.quantity,
      unit_price_cents: item.unitPriceCents,
      amount_cents: item.amountCents,
      created_at: item.now,
      invoice_id: null,
    })
    .execute();
}

export async function insertPayment(
  tx: Db,
  payment: {
    orgId: string;
    paymentId: string;
    invoiceId: string | null;
    purchaseId: string | null;
    provider: string;
    providerPaymentId: string | null;
    amountCents: number;
    currency: string;
    status: 'succeeded' | 'failed';
    failureCode: string | null;
    /** The card charged, when known (the receipt names it). */
    paymentMethodId?: string | null;
    now: Date;
  },
): Promise<void> {
  await tx
    .insertInto('payments')
    .values({
      org_id: payment.orgId,
      payment_id: payment.paymentId,
      invoice_id: payment.invoiceId,
      purchase_id: payment.purchaseId,
      provider: payment.provider,
      provider_payment_id: payment.providerPaymentId,
      amount_cents: payment.amountCents,
      currency: payment.currency,
      status: payment.status,
      failure_code: payment.failureCode,
      payment_method_id: payment.paymentMethodId ?? null,
      created_at: payment.now,
    })
    .execute();
}

/** A purchase's successful payment belongs to the invoice issued for it. */
export async function linkPurchasePayment(tx: Db, input: { orgId: string; purchaseId: string; invoiceId: string }): Promise<void> {
  await tx.updateTable('payments').set({ invoice_id: input.invoiceId }).where('org_id', '=', input.orgId).where('purchase_id', '=', input.purchaseId).where('status', '=', 'succeeded').execute();
}
