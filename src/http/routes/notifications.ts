import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { BillingDeps } from '../../billing/deps.js';
import { removeWebhookEndpoint } from '../../notifications/remove-webhook-endpoint.js';
import { autoRechargeView, setAutoRecharge } from '../../billing/update-settings.js';
import { findOrg } from '../../db/orgs.js';
import { EVENT_TYPES } from '../../db/events.js';
import { countUnread, listEmails, listNotifications, markRead, notificationExists } from '../../db/notifications.js';
import { listDeliveries } from '../../db/deliveries.js';
import { listEndpoints } from '../../db/webhook-endpoints.js';
import { Failure } from '../../domain/failures.js';
import { addWebhookEndpoint, MAX_WEBHOOK_ENDPOINTS_PER_ORG } from '../../notifications/add-webhook-endpoint.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { Identifier, OrgParams, PageQuery, StringEnum, Timestamp, problems } from '../schemas.js';

const NotificationSchema = Type.Object({
  id: Type.String(),
  event_id: Type.String(),
  type: Type.String(),
  title: Type.String(),
  body: Type.String(),
  created_at: Timestamp,
  read_at: Type.Union([Timestamp, Type.Null()]),
});

const EndpointSchema = Type.Object({
  id: Type.String(),
  url: Type.String(),
  events: Type.Array(Type.String()),
  status: Type.String(),
  created_at: Timestamp,
  disabled_at: Type.Union([Timestamp, Type.Null()]),
});

const AutoRechargeSchema = Type.Object({
  enabled: Type.Boolean(),
  threshold_credits: Type.Union([Type.Integer(), Type.Null()]),
  amount_credits: Type.Union([Type.Integer(), Type.Null()]),
  paused: Type.Boolean(),
  paused_at: Type.Union([Timestamp, Type.Null()]),
});

/** The signed-in user's own notifications; the platform key reads the whole org's. */
function reader(request: FastifyRequest): string | null {
  return request.principal?.kind === 'user' ? request.principal.userId : null;
}

const CONFIDENTIAL_BODY = 'This e-mail holds a private invitation link for its recipient, so it is not shown here.';

export const notificationRoutes = (deps: BillingDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get('/v1/orgs/:org/notifications', {
      config: { access: 'org-member' },
      schema: {
        tags: ['notifications'],
        summary: 'In-app notifications (admins receive them), newest first, with the unread count',
        params: OrgParams,
        querystring: Type.Object({ ...PageQuery, unread: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
        response: {
          200: Type.Object({ items: Type.Array(NotificationSchema), unread_count: Type.Integer(), next_cursor: Type.Union([Type.String(), Type.Null()]) }),
          ...problems(401, 404, 422),
        },
      },
      handler: async (request) => {
        const limit = request.query.limit ?? 50;
        const cursor = request.query.cursor === undefined ? undefined : decodeCursor(request.query.cursor, ['timestamp', 'string']);
        const userId = reader(request);
        const rows = await listNotifications(deps.db, {
          orgId: request.params.org,
          userId,
          unreadOnly: request.query.unread === true,
          limit: limit + 1,
          after: cursor ? { at: new Date(cursor[0] as string), id: cursor[1] as string } : undefined,
        });
        const page = rows.slice(0, limit);
        const last = page.at(-1);
        return {
          items: page.map((row) => ({
            id: row.notification_id,
            event_id: row.event_id,
            type: row.type,
            title: row.title,
            body: row.body,
            created_at: row.created_at.toISOString(),
            read_at: row.read_at?.toISOString() ?? null,
          })),
          unread_count: await countUnread(deps.db, request.params.org, userId),
          next_cursor: rows.length > limit && last ? encodeCursor([last.created_at.toISOString(), last.notification_id]) : null,
        };
      },
    });

    app.post('/v1/orgs/:org/notifications/:id/read', {
      config: { access: 'org-member' },
      schema: {
        tags: ['notifications'],
        summary: 'Mark one notification read',
        params: Type.Object({ org: OrgParams.properties.org, id: Identifier(100) }),
        response: { 200: Type.Object({ unread_count: Type.Integer() }), ...problems(401, 404) },
      },
      handler: async (request) => {
        const userId = reader(request);
        if (!(await notificationExists(deps.db, { orgId: request.params.org, userId, notificationId: request.params.id }))) throw new Failure('NOT_FOUND', 'There is no such notification.');
        await markRead(deps.db, { orgId: request.params.org, userId, notificationId: request.params.id, now: deps.clock.now() });
        return { unread_count: await countUnread(deps.db, request.params.org, userId) };
      },
    });

    app.post('/v1/orgs/:org/notifications/read-all', {
      config: { access: 'org-member' },
      schema: { tags: ['notifications'], summary: 'Mark every notification read', params: OrgParams, response: { 200: Type.Object({ unread_count: Type.Integer() }), ...problems(401, 404) } },
      handler: async (request) => {
        const userId = reader(request);
        await markRead(deps.db, { orgId: request.params.org, userId, now: deps.clock.now() });
        return { unread_count: await countUnread(deps.db, request.params.org, userId) };
      },
    });

    app.get('/v1/orgs/:org/emails', {
      config: { access: 'org-admin' },
      schema: {
        tags: ['notifications'],
        summary: 'E-mails sent (or kept, when no SMTP server is configured), newest first',
        params: OrgParams,
        querystring: Type.Object({ limit: PageQuery.limit }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({ id: Type.String(), event_id: Type.String(), to: Type.String(), subject: Type.String(), body: Type.String(), status: Type.String(), attempts: Type.Integer(), sent_at: Type.Union([Timestamp, Type.Null()]), created_at: Timestamp }),
            ),
          }),
          ...problems(401, 403, 404),
        },
      },
      handler: async (request) => ({
        items: (await listEmails(deps.db, request.params.org, request.query.limit ?? 50)).map((row) => ({
          id: row.message_id,
          event_id: row.event_id,
          to: row.to_address,
          subject: row.subject,
          // An invitation's link is for its recipient: the platform key (the host app) may deliver it, an admin may not read it.
          body: row.confidential && request.principal?.kind !== 'platform' ? CONFIDENTIAL_BODY : row.body,
          status: row.status,
          attempts: row.attempts,
          sent_at: row.sent_at?.toISOString() ?? null,
          created_at: row.created_at.toISOString(),
        })),
      }),
    });

    const endpointView = (row: Awaited<ReturnType<typeof listEndpoints>>[number]) => ({
      id: row.endpoint_id,
      url: row.url,
      events: row.events,
      status: row.status,
      created_at: row.created_at.toISOString(),
      disabled_at: row.disabled_at?.toISOString() ?? null,
    });

    app.get('/v1/orgs/:org/webhook-endpoints', {
      config: { access: 'org-admin' },
      schema: { tags: ['webhooks'], summary: 'Outgoing webhook endpoints (secrets are shown only when created)', params: OrgParams, response: { 200: Type.Object({ items: Type.Array(EndpointSchema) }), ...problems(401, 403, 404) } },
      handler: async (request) => ({ items: (await listEndpoints(deps.db, request.params.org)).map(endpointView) }),
    });

    app.post('/v1/orgs/:org/webhook-endpoints', {
      config: { access: 'org-admin' },
      schema: {
        tags: ['webhooks'],
        summary: `Add an endpoint (public http(s) addresses only, at most ${MAX_WEBHOOK_ENDPOINTS_PER_ORG} an org); events signed per Standard Webhooks with the returned whsec_ secret`,
        params: OrgParams,
        body: Type.Object(
          {
            url: Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2_000 }),
            events: Type.Optional(Type.Array(StringEnum(EVENT_TYPES), { maxItems: EVENT_TYPES.length, uniqueItems: true })),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Intersect([EndpointSchema, Type.Object({ secret: Type.String() })]), ...problems(401, 403, 404, 409, 422) },
      },
      handler: async (request, reply) => {
        const events = request.body.events ?? [];
        const added = await addWebhookEndpoint(deps, { orgId: request.params.org, url: request.body.url, events });
        return reply.status(201).send({
          id: added.endpointId,
          url: request.body.url,
          events,
          status: 'enabled',
          created_at: added.createdAt.toISOString(),
          disabled_at: null,
          secret: added.secret,
        });
      },
    });

    const EndpointParams = Type.Object({ org: OrgParams.properties.org, id: Identifier(100) });

    app.delete('/v1/orgs/:org/webhook-endpoints/:id', {
      config: { access: 'org-admin' },
      schema: { tags: ['webhooks'], summary: 'Remove an endpoint', params: EndpointParams, response: { 204: Type.Null(), ...problems(401, 403, 404) } },
      handler: async (request, reply) => {
        await removeWebhookEndpoint(deps, { orgId: request.params.org, endpointId: request.params.id });
        return reply.status(204).send(null);
      },
    });

    app.get('/v1/orgs/:org/webhook-endpoints/:id/deliveries', {
      config: { access: 'org-admin' },
      schema: {
        tags: ['webhooks'],
        summary: 'Deliveries to an endpoint with every attempt, newest first',
        params: EndpointParams,
        querystring: Type.Object({ limit: PageQuery.limit }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({
                id: Type.String(),
                event_id: Type.String(),
                type: Type.String(),
                status: Type.String(),
                attempts: Type.Array(Type.Object({ attempt: Type.Integer(), attempted_at: Timestamp, status_code: Type.Union([Type.Integer(), Type.Null()]), error: Type.Union([Type.String(), Type.Null()]), duration_ms: Type.Integer() })),
                next_attempt_at: Type.Union([Timestamp, Type.Null()]),
                delivered_at: Type.Union([Timestamp, Type.Null()]),
              }),
            ),
          }),
          ...problems(401, 403, 404),
        },
      },
      handler: async (request) => {
        const endpoints = await listEndpoints(deps.db, request.params.org);
        if (!endpoints.some((endpoint) => endpoint.endpoint_id === request.params.id)) throw new Failure('NOT_FOUND', 'There is no such webhook endpoint.');
        const rows = await listDeliveries(deps.db, request.params.org, request.params.id, request.query.limit ?? 50);
        return {
          items: rows.map((row) => ({
            id: row.delivery_id,
            event_id: row.event_id,
            type: row.type,
            status: row.status,
            attempts: row.attempts_log.map((attempt) => ({
              attempt: attempt.attempt,
              attempted_at: attempt.attempted_at.toISOString(),
              status_code: attempt.status_code,
              error: attempt.error,
              duration_ms: attempt.duration_ms,
            })),
            next_attempt_at: row.next_attempt_at?.toISOString() ?? null,
            delivered_at: row.delivered_at?.toISOString() ?? null,
          })),
        };
      },
    });

    app.get('/v1/orgs/:org/settings/auto-recharge', {
      config: { access: 'org-member' },
      schema: { tags: ['settings'], summary: 'Auto-recharge', params: OrgParams, response: { 200: AutoRechargeSchema, ...problems(401, 404) } },
      handler: async (request) => {
        const view = await findOrg(deps.db, request.params.org);
        if (!view) throw new Failure('ORG_NOT_FOUND');
        return autoRechargeView(view.settings);
      },
    });

    app.put('/v1/orgs/:org/settings/auto-recharge', {
      config: { access: 'org-admin' },
      schema: {
        tags: ['settings'],
        summary: 'When credits fall below threshold_credits, buy amount_credits with the default card',
        params: OrgParams,
        body: Type.Object(
          {
            enabled: Type.Boolean(),
            threshold_credits: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000_000 })),
            amount_credits: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000_000 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: AutoRechargeSchema, ...problems(401, 403, 404, 422) },
      },
      handler: (request) => setAutoRecharge(deps, request.params.org, request.body),
    });
  };
