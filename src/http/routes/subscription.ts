import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { BillingDeps } from '../../billing/deps.js';
import { cancelSubscription, changePlan, resumeSubscription } from '../../billing/change-subscription.js';
import { getContract, setContract } from '../../billing/set-contract.js';
import { exportOrg, exportOrgZip, exportUsageJson } from '../../billing/export-org.js';
import { recordExport } from '../../audit/record-audit.js';
import { OrgParams, StringEnum, Timestamp, problems } from '../schemas.js';

const PendingChange = Type.Object({
  pending_change: Type.Object({
    plan: Type.Optional(Type.String()),
    cancel_at_period_end: Type.Optional(Type.Boolean()),
    requested_at: Timestamp,
  }),
});

/** Rows exported as stored (ledger entries, purchases, invoices, usage): every column is kept. */
const ExportedRow = Type.Object({}, { additionalProperties: true });
const ExportSchema = Type.Object(
  {
    exported_at: Timestamp,
    org: Type.Object({ id: Type.String(), name: Type.String(), billing_address: ExportedRow, vat_id: Type.Union([Type.String(), Type.Null()]), created_at: Timestamp }),
    subscription: ExportedRow,
    settings: ExportedRow,
    members: Type.Array(Type.Object({ user_id: Type.String(), email: Type.String(), name: Type.String(), role: Type.String() })),
    payment_methods: Type.Array(ExportedRow),
    ledger_entries: Type.Array(ExportedRow),
    credit_purchases: Type.Array(ExportedRow),
    refunds: Type.Array(ExportedRow),
    disputes: Type.Array(ExportedRow),
    invoices: Type.Array(ExportedRow),
    credit_notes: Type.Array(ExportedRow),
    usage: Type.Array(ExportedRow),
  },
  { description: 'The JSON export; with ?format=zip the answer is application/zip instead' },
);

const ContractSchema = Type.Object(
  {
    base_price_cents: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000_000_00 })),
    included_credits: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000_000 })),
    included_users: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
    period_unit: Type.Optional(StringEnum(['month', 'year'] as const)),
    credit_price_cents: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000 })),
    overage_price_cents: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000 })),
    purchase_min_credits: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000_000 })),
    purchase_max_credits: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000_000 })),
  },
  { additionalProperties: false },
);

export const subscriptionRoutes = (deps: BillingDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post('/v1/orgs/:org/subscription/change', {
      config: { access: 'org-admin' },
      schema: {
        tags: ['subscription'],
        summary: 'Change plan: upgrades apply at once, downgrades at the period end (after the provider confirms)',
        params: OrgParams,
        body: Type.Object({ plan: StringEnum(deps.catalog.plans.map((plan) => plan.id)) }, { additionalProperties: false }),
        response: { 202: PendingChange, ...problems(401, 403, 404, 422, 503) },
      },
      handler: async (request, reply) =>
        reply.status(202).send({
          // A plan priced by contract is agreed with sales: only the platform (the operator's back office) may move an org onto it.
          pending_change: await changePlan(deps, { orgId: request.params.org, plan: request.body.plan, byOperator: request.principal?.kind === 'platform' }),
        }),
    });

    app.post('/v1/orgs/:org/subscription/cancel', {
      config: { access: 'org-admin' },
      schema: { tags: ['subscription'], summary: 'Cancel at the end of the current term', params: OrgParams, response: { 202: PendingChange, ...problems(401, 403, 404, 409, 503) } },
      handler: async (request, reply) => reply.status(202).send({ pending_change: await cancelSubscription(deps, request.params.org) }),
    });

    app.post('/v1/orgs/:org/subscription/resume', {
      config: { access: 'org-admin' },
      schema: {
        tags: ['subscription'],
        summary: 'Undo a scheduled cancellation or downgrade; after the term ended, resubscribe',
        params: OrgParams,
        response: { 202: PendingChange, ...problems(401, 403, 404, 409, 503) },
      },
      handler: async (request, reply) => reply.status(202).send({ pending_change: await resumeSubscription(deps, request.params.org) }),
    });

    app.get('/v1/orgs/:org/contract', {
      config: { access: 'platform' },
      schema: { tags: ['subscription'], summary: 'The enterprise contract terms (platform key)', params: OrgParams, response: { 200: ContractSchema, ...problems(401, 403, 404) } },
      handler: (request) => getContract(deps, request.params.org),
    });

    app.put('/v1/orgs/:org/contract', {
      config: { access: 'platform' },
      schema: {
        tags: ['subscription'],
        summary: 'Set enterprise contract terms that override the plan (platform key)',
        params: OrgParams,
        body: ContractSchema,
        response: { 200: ContractSchema, ...problems(401, 403, 404, 422) },
      },
      handler: (request) => setContract(deps, request.params.org, request.body),
    });

    app.get('/v1/orgs/:org/export', {
      config: { access: 'org-admin', auditedRead: true },
      schema: {
        tags: ['subscription'],
        summary: 'Everything the org may take with it: JSON, or a zip with usage.csv, ledger, invoices, credit notes and their PDFs (?format=zip)',
        params: OrgParams,
        querystring: Type.Object({ format: Type.Optional(StringEnum(['json', 'zip'] as const)) }, { additionalProperties: false }),
        produces: ['application/json', 'application/zip'],
        response: {
          200: { description: 'The export', content: { 'application/json': { schema: ExportSchema }, 'application/zip': { schema: Type.String({ format: 'binary' }) } } },
          ...problems(401, 403, 404, 422),
        },
      },
      handler: async (request, reply) => {
        const format = request.query.format ?? 'json';
        await recordExport(deps.db, { orgId: request.params.org, what: 'org', format, now: deps.clock.now() });
        if (format === 'zip') {
          const zip = await exportOrgZip(deps, request.params.org);
          return reply.type('application/zip').header('content-disposition', `attachment; filename="${request.params.org}-export.zip"`).send(zip as unknown as string); // a stream, typed as the schema's binary string
        }
        const data = await exportOrg(deps, request.params.org);
        return { ...data, usage: await exportUsageJson(deps, request.params.org) };
      },
    });
  };
