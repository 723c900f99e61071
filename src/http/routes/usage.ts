import { recordExport } from '../../audit/record-audit.js';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { listUsage, type UsageFilter } from '../../db/usage.js';
import { usageCsvStream, usageItem } from '../../billing/usage-export.js';
import type { BillingDeps } from '../../billing/deps.js';
import { invalidFields } from '../../domain/failures.js';
import { decodeCursor, pageOf } from '../cursor.js';
import { Identifier, OrgParams, PageQuery, Timestamp, problems } from '../schemas.js';

const UsageItem = Type.Object({
  id: Type.String(),
  occurred_at: Timestamp,
  user_id: Type.String(),
  user_name: Type.Union([Type.String(), Type.Null()]),
  action: Type.String(),
  feature: Type.String(),
  tokens: Type.Integer(),
  credits: Type.Integer(),
  charged: Type.Integer(),
  uncollected: Type.Integer(),
});

const UsageQuery = Type.Object(
  {
    from: Type.Optional(Timestamp),
    to: Type.Optional(Timestamp),
    user_id: Type.Optional(Identifier()),
    feature: Type.Optional(Identifier(40)),
    action: Type.Optional(Identifier()),
    ...PageQuery,
  },
  { additionalProperties: false },
);

/** True when the Accept header ranks text/csv above JSON (q-values honoured, ties go to JSON). */
export function prefersCsv(accept: string | undefined): boolean {
  if (!accept) return false;
  const quality = (type: string) => {
    let best = 0;
    for (const part of accept.split(',')) {
      const [range = '', ...parameters] = part.trim().toLowerCase().split(';');
      if (range.trim() !== type && range.trim() !== '*/*' && range.trim() !== `${type.split('/')[0]}/*`) continue;
      const q = parameters.map((parameter) => /^\s*q=([\d.]+)\s*$/.exec(parameter)?.[1]).find((value) => value !== undefined);
      const value = q === undefined ? 1 : Number(q);
      // An exact type outranks a wildcard of the same quality.
      best = Math.max(best, range.trim() === type ? value + 0.0001 : value);
    }
    return best;
  };
  return quality('text/csv') > quality('application/json');
}

type Query = { from?: string; to?: string; user_id?: string; feature?: string; action?: string };

/** Members see only their own usage; admins and the platform key see everyone's. */
function filterFor(request: FastifyRequest, orgId: string, query: Query): UsageFilter {
  const from = query.from === undefined ? undefined : new Date(query.from);
  const to = query.to === undefined ? undefined : new Date(query.to);
  if (from && to && from.getTime() > to.getTime()) throw invalidFields({ to: ['must not be before from'] });
  const principal = request.principal;
  const ownOnly = request.orgRole === 'member' && principal?.kind === 'user';
  return {
    orgId,
    from,
    to,
    userId: ownOnly ? principal.userId : query.user_id,
    feature: query.feature,
    action: query.action,
  };
}

export const usageRoutes = (deps: BillingDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get('/v1/orgs/:org/usage', {
      config: { access: 'org-member', auditedRead: true },
      schema: {
        tags: ['usage'],
        summary: 'Usage history, newest first (Accept: text/csv streams it as CSV)',
        params: OrgParams,
        querystring: UsageQuery,
        produces: ['application/json', 'text/csv'],
        response: { 200: Type.Object({ items: Type.Array(UsageItem), next_cursor: Type.Union([Type.String(), Type.Null()]) }), ...problems(401, 404, 422) },
      },
      handler: async (request, reply) => {
        const filter = filterFor(request, request.params.org, request.query);
        if (prefersCsv(request.headers.accept)) {
          await recordExport(deps.db, { orgId: request.params.org, what: 'usage', format: 'csv', now: deps.clock.now() });
          return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="usage.csv"').send(usageCsvStream(deps.db, filter) as never);
        }
        const limit = request.query.limit ?? 50;
        const after = request.query.cursor === undefined ? undefined : decodeCursor(request.query.cursor, ['timestamp', 'string']);
        const rows = await listUsage(deps.db, filter, {
          limit: limit + 1,
          after: after ? { occurredAt: new Date(after[0] as string), usageId: after[1] as string } : undefined,
        });
        const { page, next_cursor } = pageOf(rows, limit, (row) => [row.occurred_at.toISOString(), row.usage_id]);
        return { items: page.map(usageItem), next_cursor };
      },
    });

    app.get('/v1/orgs/:org/usage.csv', {
      config: { access: 'org-member', auditedRead: true },
      schema: {
        tags: ['usage'],
        summary: 'Usage history as CSV, streamed',
        params: OrgParams,
        querystring: Type.Omit(UsageQuery, ['limit', 'cursor']),
        produces: ['text/csv'],
      },
      handler: async (request, reply) => {
        const filter = filterFor(request, request.params.org, request.query);
        await recordExport(deps.db, { orgId: request.params.org, what: 'usage', format: 'csv', now: deps.clock.now() });
        return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="usage.csv"').send(usageCsvStream(deps.db, filter));
      },
    });
  };
