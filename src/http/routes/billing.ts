import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { refundPurchase } from '../../billing/refund-purchase.js';
import { deliverProviderEvents } from '../../billing/handle-provider-event.js';
import { loadCreditNote } from '../../billing/credit-notes.js';
import { listCreditNotesOfInvoice, purchaseStandings } from '../../db/refunds.js';
import { formatCreditNoteNumber, refundStatus } from '../../domain/refunds.js';
import type { BillingDeps } from '../../billing/deps.js';
import { addPaymentMethod, deletePaymentMethod, listOrgPaymentMethods, makeDefaultPaymentMethod } from '../../billing/payment-methods.js';
import { purchaseCredits, purchaseView, quotePurchase } from '../../billing/purchase-credits.js';
import { formatInvoiceNumber, invoiceDocument } from '../../billing/issue-invoice.js';
import { payInvoiceNow } from '../../billing/collect-invoice.js';
import { upcomingInvoice } from '../../billing/upcoming-invoice.js';
import { renderCreditNotePdf, renderInvoicePdf } from '../../billing/render-invoice-pdf.js';
import { listPurchases } from '../../db/purchases.js';
import { findInvoice, findInvoiceCards, listInvoices } from '../../db/invoices.js';
import { listBillingHistory } from '../../db/billing-history.js';
import { paymentFailedDescription } from '../../domain/payment-failures.js';
import { Failure } from '../../domain/failures.js';
import { decodeCursor, pageOf } from '../cursor.js';
import { problemFor, sendProblem } from '../problem.js';
import { Identifier, OrgParams, PageQuery, StringEnum, Text, Timestamp, problems } from '../schemas.js';

/** Tax as invoices and quotes show it: one line per tax with its rate, and the reverse-charge note. */
const TaxLines = Type.Array(Type.Object({ name: Type.String(), rate_bps: Type.Number(), amount_cents: Type.Integer() }));
const TaxNote = Type.Union([Type.String(), Type.Null()]);

const PaymentMethodSchema = Type.Object({
  id: Type.String(),
  brand: Type.String(),
  last4: Type.String(),
  exp_month: Type.Integer(),
  exp_year: Type.Integer(),
  default: Type.Boolean(),
  last_charge_failed: Type.Union([Type.Object({ at: Timestamp, reason: Type.String() }), Type.Null()], {
    description: 'The card’s latest charge failed: when, and why as a sentence. Null when it went through or was never charged.',
  }),
});

const RefundStatusSchema = Type.Union([StringEnum(['disputed', 'refunded', 'partially_refunded'] as const), Type.Null()], {
  description: 'disputed while a card dispute is open; refunded once every credit was taken back or all the money returned; partially_refunded after some; null otherwise.',
});

const PurchaseSchema = Type.Object({
  id: Type.String(),
  credits: Type.Integer(),
  unit_price_cents: Type.Integer(),
  amount_cents: Type.Integer(),
  tax_cents: Type.Integer(),
  total_cents: Type.Integer(),
  currency: Type.String(),
  status: StringEnum(['succeeded', 'pending', 'failed'] as const),
  invoice_id: Type.Union([Type.String(), Type.Null()]),
  failure_code: Type.Union([Type.String(), Type.Null()]),
  created_at: Timestamp,
  refunded_credits: Type.Integer({ description: 'Credits refunded so far (0 when none)' }),
  refund_status: RefundStatusSchema,
  dispute_status: Type.Union([StringEnum(['open', 'won', 'lost'] as const), Type.Null()], {
    description: 'The latest card dispute of the charge: open (its unused credits are frozen), won (they were given back) or lost (they were taken back, with a credit note); null when none.',
  }),
});

const RefundSchema = Type.Object({
  id: Type.String(),
  purchase_id: Type.String(),
  credits: Type.Integer(),
  amount_cents: Type.Integer(),
  tax_cents: Type.Integer(),
  total_cents: Type.Integer(),
  currency: Type.String(),
  status: StringEnum(['pending', 'succeeded'] as const),
  reason: Type.String(),
  credit_note_id: Type.Union([Type.String(), Type.Null()]),
  credit_note_number: Type.Union([Type.String(), Type.Null()]),
  created_at: Timestamp,
});

const InvoiceSummary = Type.Object({
  id: Type.String(),
  number: Type.String(),
  kind: StringEnum(['period', 'credit_purchase'] as const),
  period_start: Timestamp,
  period_end: Timestamp,
  status: StringEnum(['open', 'paid', 'void'] as const),
  subtotal_cents: Type.Integer(),
  tax_cents: Type.Integer(),
  total_cents: Type.Integer(),
  currency: Type.String(),
  issued_at: Timestamp,
  paid_at: Type.Union([Timestamp, Type.Null()]),
  paid_with: Type.Union([Type.Object({ brand: Type.String(), last4: Type.String() }), Type.Null()], { description: 'The card that paid it (the receipt); null while open or when unknown.' }),
  refund_status: RefundStatusSchema,
});

const Address = Type.Object({
  name: Type.String(),
  country: Type.String(),
  region: Type.Optional(Type.String()),
  postal_code: Type.Optional(Type.String()),
  line1: Type.Optional(Type.String()),
  city: Type.Optional(Type.String()),
  vat_id: Type.Optional(Type.Union([Type.String(), Type.Null()])),
});

const InvoiceLines = Type.Array(
  Type.Object({
    kind: StringEnum(['subscription', 'credit_purchase', 'overage', 'proration', 'adjustment'] as const),
    description: Type.String(),
    quantity: Type.Integer(),
    unit_price_cents: Type.Integer(),
    amount_cents: Type.Integer(),
  }),
);

const InvoiceDetail = Type.Intersect([
  InvoiceSummary,
  Type.Object({
    plan: Type.Object({ id: Type.String(), name: Type.String(), base_price_cents: Type.Integer() }),
    seller: Address,
    billing_address: Address,
    lines: InvoiceLines,
    tax: TaxLines,
    tax_note: TaxNote,
    credit_notes: Type.Array(
      Type.Object({ id: Type.String(), number: Type.String(), credits: Type.Integer(), total_cents: Type.Integer(), currency: Type.String(), issued_at: Timestamp }),
      { description: 'Refunds of this credit purchase invoice, as credit notes (issue 17); empty for other invoices' },
    ),
  }),
]);

/** The next period invoice as it stands now: an invoice's shape as a draft, with its billing date. */
const UpcomingInvoiceSchema = Type.Object({
  id: Type.Null(),
  number: Type.Null(),
  kind: Type.Literal('period'),
  status: Type.Literal('draft'),
  currency: Type.String(),
  issued_at: Type.Null(),
  paid_at: Type.Null(),
  billing_date: Timestamp,
  period_start: Timestamp,
  period_end: Timestamp,
  plan: Type.Object({ id: Type.String(), name: Type.String(), base_price_cents: Type.Integer() }),
  seller: Address,
  billing_address: Address,
  lines: InvoiceLines,
  tax: TaxLines,
  tax_note: TaxNote,
  subtotal_cents: Type.Integer(),
  tax_cents: Type.Integer(),
  total_cents: Type.Integer(),
});

const CardBody = Type.Object(
  {
    card_number: Type.String({ minLength: 12, maxLength: 23, pattern: '^[0-9 -]+$' }),
    exp_month: Type.Integer({ minimum: 1, maximum: 12 }),
    exp_year: Type.Integer({ minimum: 2000, maximum: 2100 }),
    cvc: Type.String({ pattern: '^[0-9]{3,4}$' }),
  },
  { additionalProperties: false },
);
const StripeMethodBody = Type.Object({ stripe_payment_method_id: Type.String({ pattern: '^pm_[A-Za-z0-9_]+$', maxLength: 100 }) }, { additionalProperties: false });

export const billingRoutes = (deps: BillingDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    const MethodParams = Type.Object({ org: OrgParams.properties.org, id: Identifier(100) });

    app.get('/v1/orgs/:org/payment-methods', {
      config: { access: 'org-admin' },
      schema: { tags: ['billing'], summary: 'Saved cards', params: OrgParams, response: { 200: Type.Object({ items: Type.Array(PaymentMethodSchema) }), ...problems(401, 403, 404) } },
      handler: async (request) => ({ items: await listOrgPaymentMethods(deps.db, request.params.org) }),
    });

    app.post('/v1/orgs/:org/payment-methods', {
      config: { access: 'org-admin' },
      schema: {
        tags: ['billing'],
        summary: 'Save a card: card details with the built-in provider, a Stripe PaymentMethod id with Stripe',
        params: OrgParams,
        body: Type.Union([CardBody, StripeMethodBody]),
        response: { 201: PaymentMethodSchema, ...problems(401, 402, 403, 404, 422, 503) },
      },
      handler: async (request, reply) => {
        const body = request.body;
        const method = 'card_number' in body ? { card: body } : { stripePaymentMethodId: body.stripe_payment_method_id };
        return reply.status(201).send(await addPaymentMethod(deps, { orgId: request.params.org, method }));
      },
    });

    app.post('/v1/orgs/:org/payment-methods/:id/default', {
      config: { access: 'org-admin' },
      schema: { tags: ['billing'], summary: 'Make a card the default', params: MethodParams, response: { 200: PaymentMethodSchema, ...problems(401, 403, 404) } },
      handler: (request) => makeDefaultPaymentMethod(deps, { orgId: request.params.org, paymentMethodId: request.params.id }),
    });

    app.delete('/v1/orgs/:org/payment-methods/:id', {
      config: { access: 'org-admin' },
      schema: { tags: ['billing'], summary: 'Remove a card', params: MethodParams, response: { 204: Type.Null(), ...problems(401, 403, 404) } },
      handler: async (request, reply) => {
        await deletePaymentMethod(deps, { orgId: request.params.org, paymentMethodId: request.params.id });
        return reply.status(204).send(null);
      },
    });

    app.post('/v1/orgs/:org/credit-purchases', {
      config: { access: 'org-admin' },
      schema: {
        tags: ['billing'],
        summary: 'Buy credits (100 to 100,000 whole credits; idempotent by key)',
        params: OrgParams,
        body: Type.Object(
          { credits: Type.Number(), payment_method_id: Type.Optional(Identifier(100)), idempotency_key: Identifier(200) },
          { additionalProperties: false },
        ),
        response: { 200: PurchaseSchema, 201: PurchaseSchema, 202: PurchaseSchema, ...problems(401, 402, 403, 404, 409, 422) },
      },
      handler: async (request, reply) => {
        const { replayed, purchase } = await purchaseCredits(deps, {
          orgId: request.params.org,
          credits: request.body.credits,
          paymentMethodId: request.body.payment_method_id,
          idempotencyKey: request.body.idempotency_key,
        });
        // What the provider reports about the charge besides its outcome (the built-in disputed test card's dispute).
        if (purchase.status === 'succeeded' && !replayed) await deliverProviderEvents(deps);
        if (purchase.status === 'failed') {
          const problem = problemFor('PAYMENT_DECLINED', `${paymentFailedDescription(purchase.failure_code)} No credits were added.`);
          return sendProblem(reply, { ...problem, ...{ purchase, failure_code: purchase.failure_code } });
        }
        return reply.status(purchase.status === 'pending' ? 202 : replayed ? 200 : 201).send(purchase);
      },
    });

    app.post('/v1/orgs/:org/credit-purchases/:id/refund', {
      config: { access: 'platform' },
      schema: {
        tags: ['billing'],
        summary: 'Refund a purchase’s unused credits (all by default, never more), their price and tax share, with a credit note (platform key)',
        description:
          'Takes back the credits (a `refund` ledger entry) and pays their price and the matching share of tax back through the payment provider; once the provider confirms, the refund has its credit note (CN-…). `status` is `pending` while the provider could not be reached: the credits are taken back and the refund is finished by a retry with the same `idempotency_key` or by the jobs. Nothing left → 422 `NOTHING_TO_REFUND`.',
        params: Type.Object({ ...OrgParams.properties, id: Identifier(100) }),
        body: Type.Object(
          { credits: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000_000 })), reason: Text({ maxLength: 500 }), idempotency_key: Type.Optional(Identifier(200)) },
          { additionalProperties: false },
        ),
        response: { 200: RefundSchema, 201: RefundSchema, ...problems(401, 403, 404, 409, 422) },
      },
      handler: async (request, reply) => {
        const { replayed, refund } = await refundPurchase(deps, {
          orgId: request.params.org,
          purchaseId: request.params.id,
          credits: request.body.credits,
          reason: request.body.reason,
          idempotencyKey: request.body.idempotency_key,
        });
        return reply.status(replayed ? 200 : 201).send(refund);
      },
    });

    app.get('/v1/orgs/:org/credit-purchases/quote', {
      config: { access: 'org-member' },
      schema: {
        tags: ['billing'],
        summary: 'The price of a purchase before confirming it: amount, tax by the billing address, total',
        params: OrgParams,
        querystring: Type.Object({ credits: Type.Number() }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            credits: Type.Integer(),
            unit_price_cents: Type.Integer(),
            amount_cents: Type.Integer(),
            tax_cents: Type.Integer(),
            total_cents: Type.Integer(),
            currency: Type.String(),
            tax: TaxLines,
            tax_note: TaxNote,
            min_credits: Type.Integer(),
            max_credits: Type.Integer(),
          }),
          ...problems(401, 404, 422),
        },
      },
      handler: (request) => quotePurchase(deps, { orgId: request.params.org, credits: request.query.credits }),
    });

    app.get('/v1/orgs/:org/credit-purchases', {
      config: { access: 'org-member' },
      schema: {
        tags: ['billing'],
        summary: 'Credit purchases, newest first',
        params: OrgParams,
        querystring: Type.Object({ limit: PageQuery.limit }, { additionalProperties: false }),
        response: { 200: Type.Object({ items: Type.Array(PurchaseSchema), next_cursor: Type.Null() }), ...problems(401, 404) },
      },
      handler: async (request) => {
        const rows = await listPurchases(deps.db, request.params.org, request.query.limit ?? 50);
        const standings = await purchaseStandings(deps.db, request.params.org, { purchaseIds: rows.map((row) => row.purchase_id) });
        const byPurchase = new Map(standings.map((standing) => [standing.purchaseId, standing]));
        return { items: rows.map((row) => purchaseView(row, byPurchase.get(row.purchase_id))), next_cursor: null };
      },
    });

    app.get('/v1/orgs/:org/invoices', {
      config: { access: 'org-member' },
      schema: {
        tags: ['invoices'],
        summary: 'Invoices, newest first',
        params: OrgParams,
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: { 200: Type.Object({ items: Type.Array(InvoiceSummary), next_cursor: Type.Union([Type.String(), Type.Null()]) }), ...problems(401, 404, 422) },
      },
      handler: async (request) => {
        const limit = request.query.limit ?? 50;
        const cursor = request.query.cursor === undefined ? undefined : decodeCursor(request.query.cursor, ['timestamp', 'number']);
        const rows = await listInvoices(deps.db, request.params.org, {
          limit: limit + 1,
          after: cursor ? { issuedAt: new Date(cursor[0] as string), number: cursor[1] as number } : undefined,
        });
        const { page, next_cursor } = pageOf(rows, limit, (row) => [row.issued_at.toISOString(), row.number]);
        const cards = await findInvoiceCards(deps.db, request.params.org, page.map((row) => row.invoice_id));
        const statuses = await invoiceRefundStatuses(request.params.org, page.map((row) => row.invoice_id));
        return { items: page.map((row) => ({ ...invoiceDocument(row, [], cards.get(row.invoice_id) ?? null), refund_status: statuses.get(row.invoice_id) ?? null })), next_cursor };
      },
    });

    app.get('/v1/orgs/:org/invoices/upcoming', {
      config: { access: 'org-member' },
      schema: {
        tags: ['invoices'],
        summary: 'The next period invoice as it stands now (a draft: base price, prorations, overage so far, estimated tax)',
        params: OrgParams,
        response: { 200: UpcomingInvoiceSchema, ...problems(401, 404) },
      },
      handler: async (request) => (await upcomingInvoice(deps, request.params.org)) as never,
    });

    /** What refunds and disputes made each credit purchase invoice (null for the others). */
    const invoiceRefundStatuses = async (orgId: string, invoiceIds: readonly string[]) => {
      const standings = await purchaseStandings(deps.db, orgId, { invoiceIds });
      return new Map(standings.map((standing) => [standing.invoiceId, refundStatus(standing)]));
    };

    const InvoiceParams = Type.Object({ org: OrgParams.properties.org, id: Identifier(100) });
    const loadInvoice = async (orgId: string, invoiceId: string) => {
      const found = await findInvoice(deps.db, orgId, invoiceId);
      if (!found) throw new Failure('INVOICE_NOT_FOUND', `There is no invoice ${invoiceId} in this organization.`);
      const cards = await findInvoiceCards(deps.db, orgId, [invoiceId]);
      return invoiceDocument(found.invoice, found.lines, cards.get(invoiceId) ?? null);
    };

    /** The invoice as its page shows it: the document, and the credit notes of its refunds. */
    const invoiceDetail = async (orgId: string, invoiceId: string) => {
      const invoice = await loadInvoice(orgId, invoiceId);
      const notes = await listCreditNotesOfInvoice(deps.db, orgId, invoiceId);
      const creditNotes = notes.map((note) => ({
        id: note.credit_note_id!,
        number: formatCreditNoteNumber(Number(note.credit_note_number)),
        credits: note.credits,
        total_cents: note.total_cents,
        currency: note.currency,
        issued_at: note.updated_at.toISOString(),
      }));
      const statuses = await invoiceRefundStatuses(orgId, [invoiceId]);
      return { ...invoice, refund_status: statuses.get(invoiceId) ?? null, credit_notes: creditNotes };
    };

    app.get('/v1/orgs/:org/invoices/:id', {
      config: { access: 'org-member' },
      schema: { tags: ['invoices'], summary: 'An invoice with its lines and tax', params: InvoiceParams, response: { 200: InvoiceDetail, ...problems(401, 404) } },
      // The document's readonly arrays are what the schema describes.
      handler: async (request) => (await invoiceDetail(request.params.org, request.params.id)) as never,
    });

    app.post('/v1/orgs/:org/invoices/:id/pay', {
      config: { access: 'org-admin' },
      schema: {
        tags: ['invoices'],
        summary: 'Pay an open invoice now with the default card ("Pay now")',
        description: 'Charges the invoice at once. A declined card is 402 PAYMENT_DECLINED (the invoice stays open); no card is 422 NO_PAYMENT_METHOD; an invoice that is not open is 409 INVOICE_NOT_OPEN.',
        params: InvoiceParams,
        response: { 200: InvoiceDetail, ...problems(401, 402, 403, 404, 409, 422, 503) },
      },
      handler: async (request) => {
        const result = await payInvoiceNow(deps, { orgId: request.params.org, invoiceId: request.params.id });
        const found = await findInvoice(deps.db, request.params.org, request.params.id);
        if (result === 'failed') {
          const code = found?.invoice.last_failure_code ?? 'card_declined';
          throw new Failure('PAYMENT_DECLINED', `${paymentFailedDescription(code)} The invoice is still open.`);
        }
        if (result !== 'paid' && found?.invoice.status !== 'paid') throw new Failure('PAYMENT_PROVIDER_UNAVAILABLE', 'The payment provider did not answer; the invoice is still open. Try again.');
        return (await invoiceDetail(request.params.org, request.params.id)) as never;
      },
    });

    app.get('/v1/orgs/:org/invoices/:id/pdf', {
      config: { access: 'org-member' },
      schema: { tags: ['invoices'], summary: 'The invoice as a PDF', params: InvoiceParams, produces: ['application/pdf'] },
      handler: async (request, reply) => {
        const invoice = await loadInvoice(request.params.org, request.params.id);
        const pdf = await renderInvoicePdf(invoice);
        return reply
          .type('application/pdf')
          .header('content-disposition', `attachment; filename="invoice-${invoice.number}.pdf"`)
          .send(pdf);
      },
    });

    const CreditNoteSchema = Type.Object({
      id: Type.String(),
      number: Type.String({ description: 'CN-000001…: a gapless series of its own' }),
      kind: StringEnum(['credit_note'] as const),
      refund_id: Type.String(),
      purchase_id: Type.String(),
      invoice_id: Type.String({ description: 'The credit purchase invoice this note credits' }),
      invoice_number: Type.String(),
      reason: Type.String(),
      credits: Type.Integer(),
      unit_price_cents: Type.Integer(),
      amount_cents: Type.Integer(),
      tax_cents: Type.Integer(),
      total_cents: Type.Integer(),
      currency: Type.String(),
      issued_at: Timestamp,
      refunded_to: Type.Union([Type.Object({ brand: Type.String(), last4: Type.String() }), Type.Null()]),
      invoice: Type.Object({ number: Type.String(), seller: Address, billing_address: Address, tax: TaxLines, tax_note: TaxNote }),
    });

    app.get('/v1/orgs/:org/credit-notes/:id', {
      config: { access: 'org-member' },
      schema: { tags: ['invoices'], summary: 'A credit note: money paid back on a credit purchase, with the credits taken back', params: InvoiceParams, response: { 200: CreditNoteSchema, ...problems(401, 404) } },
      // The document's readonly arrays are what the schema describes.
      handler: async (request) => (await loadCreditNote(deps, request.params.org, request.params.id)) as never,
    });

    app.get('/v1/orgs/:org/credit-notes/:id/pdf', {
      config: { access: 'org-member' },
      schema: { tags: ['invoices'], summary: 'The credit note as a PDF', params: InvoiceParams, produces: ['application/pdf'] },
      handler: async (request, reply) => {
        const note = await loadCreditNote(deps, request.params.org, request.params.id);
        return reply.type('application/pdf').header('content-disposition', `attachment; filename="credit-note-${note.number}.pdf"`).send(await renderCreditNotePdf(note));
      },
    });

    app.get('/v1/orgs/:org/billing-history', {
      config: { access: 'org-member' },
      schema: {
        tags: ['invoices'],
        summary: 'Subscription charges, credit purchases, failed payments and credit notes (refunds), newest first',
        params: OrgParams,
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({
                kind: StringEnum(['subscription_charge', 'credit_purchase', 'payment_failed', 'credit_note'] as const),
                id: Type.String(),
                occurred_at: Timestamp,
                description: Type.String(),
                amount_cents: Type.Integer(),
                currency: Type.String(),
                status: Type.String(),
                invoice_id: Type.Union([Type.String(), Type.Null()]),
                invoice_number: Type.Union([Type.String(), Type.Null()]),
                credit_note_number: Type.Union([Type.String(), Type.Null()], { description: 'CN-…: a credit note’s number (its id is `id`); null for the other kinds' }),
              }),
            ),
            next_cursor: Type.Union([Type.String(), Type.Null()]),
          }),
          ...problems(401, 404, 422),
        },
      },
      handler: async (request) => {
        const limit = request.query.limit ?? 50;
        const cursor = request.query.cursor === undefined ? undefined : decodeCursor(request.query.cursor, ['timestamp', 'string']);
        const rows = await listBillingHistory(deps.db, request.params.org, {
          limit: limit + 1,
          after: cursor ? { at: new Date(cursor[0] as string), id: cursor[1] as string } : undefined,
        });
        const { page, next_cursor } = pageOf(rows, limit, (row) => [row.occurred_at.toISOString(), row.id]);
        return {
          items: page.map(({ failure_code: failureCode, ...row }) => ({
            ...row,
            description: row.kind === 'payment_failed' ? paymentFailedDescription(failureCode) : row.description,
            occurred_at: row.occurred_at.toISOString(),
            invoice_number: row.invoice_number === null ? null : formatInvoiceNumber(Number(row.invoice_number)),
            credit_note_number: row.credit_note_number === null ? null : formatCreditNoteNumber(Number(row.credit_note_number)),
          })),
          next_cursor,
        };
      },
    });
  };
