import { Type, type Static } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { BillingDeps } from '../../billing/deps.js';
import { listAuditEvents, type AuditFilter } from '../../db/audit-log.js';
import { recordExport } from '../../audit/record-audit.js';
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

const AuditPage = Type.Object({ items: Type.Array(AuditItemSchema), next_cursor: Type.Union([Type.String(), Type.Null()]) });

/** The audit log (issue 16): every change of money or access, newest first; admins only. */
export const auditLogRoutes = (deps: BillingDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    const filterOf = (orgId: string | null, query: Omit<Static<typeof AuditQuery>, 'limit' | 'cursor'>): AuditFilter => ({
      orgId,
      from: query.from === undefined ? undefined : new Date(query.from),
      to: query.to === undefined ? undefined : new Date(query.to),
      actor: query.actor,
      action: query.action,
    });

    /** The whole filtered log as CSV, streamed; downloading an org's log is itself an audited export. */
    async function sendCsv(filter: AuditFilter, reply: FastifyReply) {
      if (filter.orgId !== null) await recordExport(deps.db, { orgId: filter.orgId, what: 'audit_log', format: 'csv', now: deps.clock.now() });
      const name = filter.orgId === null ? 'platform-audit-log.csv' : 'audit-log.csv';
      return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}"`).send(auditCsvStream(deps.db, filter) as never);
    }

    /** One org's log, or the platform's own (orgId null): a page of JSON, or CSV when the caller prefers it. */
    async function answer(orgId: string | null, query: Static<typeof AuditQuery>, reply: FastifyReply) {
      const filter = filterOf(orgId, query);
      if (prefersCsv(reply.request.headers.accept)) return sendCsv(filter, reply);
      const limit = query.limit ?? 50;
      const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor, ['timestamp', 'number']);
      const rows = await listAuditEvents(deps.db, filter, { limit: limit + 1, after: cursor ? { at: new Date(cursor[0] as string), seq: String(cursor[1]) } : undefined });
      const { page, next_cursor } = pageOf(rows, limit, (row) => [row.at.toISOString(), Number(row.seq)]);
      return { items: page.map(auditItem), next_cursor };
    }

    app.get('/v1/orgs/:org/audit-log', {
      config: { access: 'org-admin', auditedRead: true },
      schema: {
        tags: ['audit'],
        summary: 'Who changed what: settings, money, access (newest first; Accept: text/csv streams it)',
        params: OrgParams,
        querystring: AuditQuery,
        produces: ['application/json', 'text/csv'],
        response: { 200: AuditPage, ...problems(401, 403, 404, 422) },
      },
      handler: async (request, reply) => answer(request.params.org, request.query, reply),
    });

    app.get('/v1/orgs/:org/audit-log.csv', {
      config: { access: 'org-admin', auditedRead: true },
      schema: {
        tags: ['audit'],
        summary: 'The audit log as CSV, streamed (a link the browser can download)',
        params: OrgParams,
        querystring: Type.Omit(AuditQuery, ['limit', 'cursor']),
        produces: ['text/csv'],
        response: { 200: { description: 'The log as CSV', content: { 'text/csv': { schema: Type.String() } } }, ...problems(401, 403, 404, 422) },
      },
      handler: async (request, reply) => sendCsv(filterOf(request.params.org, request.query), reply),
    });

    app.get('/v1/audit-log', {
      config: { access: 'platform' },
      schema: {
        tags: ['audit'],
        summary: "The platform's own audit log: API keys created and revoked (newest first; Accept: text/csv streams it)",
        querystring: AuditQuery,
        produces: ['application/json', 'text/csv'],
        response: { 200: AuditPage, ...problems(401, 403, 422) },
      },
      handler: async (request, reply) => answer(null, request.query, reply),
    });
  };
