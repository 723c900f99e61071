import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { BillingDeps } from '../../billing/deps.js';
import { listAuditEvents, type AuditFilter } from '../../db/audit-log.js';
import { auditCsvStream, auditItem } from '../../audit/audit-log.js';
import { decodeCursor, pageOf } from '../cursor.js';
import { Identifier, OrgParams, PageQuery, StringEnum, Timestamp, problems } from '../schemas.js';
import { prefersCsv } from './usage.js';

const AuditItemSchema = Type.Object({
  id: Type.String(),
  at: Timestamp,
  actor: Type.Object({ kind: StringEnum(['user', 'api_key', 'system'] as const), id: Type.Union([Type.String(), Type.Null()]), name: Type.Optional(Type.String()) }),
  action: Type.String(),
  target: Type.Union([Type.String(), Type.Null()]),
  before: Type.Optional(Type.Unknown()),
  after: Type.Optional(Type.Unknown()),
  ip: Type.Optional(Type.String()),
  user_agent: Type.Optional(Type.String()),
});

const AuditQuery = Type.Object(
  { from: Type.Optional(Timestamp), to: Type.Optional(Timestamp), actor: Type.Optional(Identifier()), action: Type.Optional(Identifier(100)), ...PageQuery },
  { additionalProperties: false },
);

/** The audit log (issue 16): every change of money or access, newest first; admins only. */
export const auditLogRoutes = (deps: BillingDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get('/v1/orgs/:org/audit-log', {
      config: { access: 'org-admin' },
      schema: {
        tags: ['audit'],
        summary: 'Who changed what: settings, money, access (newest first; Accept: text/csv streams it)',
        params: OrgParams,
        querystring: AuditQuery,
        produces: ['application/json', 'text/csv'],
        response: { 200: Type.Object({ items: Type.Array(AuditItemSchema), next_cursor: Type.Union([Type.String(), Type.Null()]) }), ...problems(401, 403, 404, 422) },
      },
      handler: async (request, reply) => {
        const query = request.query;
        const filter: AuditFilter = {
          orgId: request.params.org,
          from: query.from === undefined ? undefined : new Date(query.from),
          to: query.to === undefined ? undefined : new Date(query.to),
          actor: query.actor,
          action: query.action,
        };
        if (prefersCsv(request.headers.accept)) {
          return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="audit-log.csv"').send(auditCsvStream(deps.db, filter) as never);
        }
        const limit = query.limit ?? 50;
        const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor, ['timestamp', 'number']);
        const rows = await listAuditEvents(deps.db, filter, { limit: limit + 1, after: cursor ? { at: new Date(cursor[0] as string), seq: String(cursor[1]) } : undefined });
        const { page, next_cursor } = pageOf(rows, limit, (row) => [row.at.toISOString(), Number(row.seq)]);
        return { items: page.map(auditItem), next_cursor };
      },
    });
  };
