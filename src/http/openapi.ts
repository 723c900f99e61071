import type { SwaggerOptions } from '@fastify/swagger';
import type { FastifySchema, RouteOptions } from 'fastify';
import { problemResponse } from './schemas.js';

/**
 * The OpenAPI document says what the server does. Routes declare their own answers (the 2xx bodies
 * and the failures their use case has); the answers every route may give because of the layers in
 * front of it (router, body parser, validation, auth, rate limit, database) are added here, from the
 * same facts those layers act on, so no route can forget one. Only the document changes: Fastify
 * validates and serializes with the route's own schema.
 */

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Why each shared status is answered, as the document says it. */
const SHARED_ANSWERS = {
  400: 'BAD_REQUEST (a malformed URL) or INVALID_JSON (a body that is not JSON)',
  401: 'UNAUTHENTICATED: no credentials, or a Bearer key that does not authenticate (refused on every route)',
  403: 'FORBIDDEN (the role or key may not do this) or CSRF_TOKEN_INVALID (a cookie write without its CSRF token)',
  404: 'Not found: an org the caller cannot see answers 404, never 403',
  413: 'PAYLOAD_TOO_LARGE: the body is over 64 KiB',
  414: 'URI_TOO_LONG: a path parameter is over 100 characters',
  415: 'UNSUPPORTED_MEDIA_TYPE: a body that is not application/json',
  422: 'VALIDATION_FAILED: every bad field is named in `errors`',
  429: 'RATE_LIMITED or OVERLOADED: retry after the Retry-After header',
  500: 'INTERNAL: the request failed on our side; nothing was changed',
  503: 'NOT_READY (the database is not reachable) or PAYMENT_PROVIDER_UNAVAILABLE: retry after the Retry-After header',
} as const satisfies Record<number, string>;

type SharedStatus = keyof typeof SHARED_ANSWERS;

interface RouteFacts {
  readonly method: string;
  readonly access: string;
  readonly rateLimited: boolean;
  readonly csrfExempt: boolean;
  readonly hasPathParameters: boolean;
  readonly validates: boolean;
}

/** The shared answers a route gives, from what its layers do with a request like it. */
function sharedStatuses(route: RouteFacts): SharedStatus[] {
  const takesBody = !SAFE_METHODS.has(route.method);
  const statuses: SharedStatus[] = [400, 401, 500, 503];
  const checksRole = route.access === 'platform' || route.access === 'org-admin';
  const checksCsrf = takesBody && route.access !== 'public' && !route.csrfExempt;
  if (checksRole || checksCsrf) statuses.push(403);
  if (route.hasPathParameters) statuses.push(404, 414);
  if (takesBody) statuses.push(413, 415);
  if (route.validates) statuses.push(422);
  if (route.rateLimited) statuses.push(429);
  return statuses.sort((a, b) => a - b);
}

/** `GET /v1/orgs/:org/invoices/:id/pdf` → `getOrgInvoicePdf`: stable as long as the path is. */
function operationIdOf(method: string, url: string): string {
  const segments = url.split('/').filter((segment) => segment !== '' && segment !== 'v1');
  const words = segments.flatMap((segment, index) => {
    if (segment.startsWith(':')) return [];
    // A collection followed by one of its ids names one item: orgs/:org → Org.
    const one = segments[index + 1]?.startsWith(':') === true && segment.endsWith('s') ? segment.slice(0, -1) : segment;
    return one.split(/[^A-Za-z0-9]+/).filter(Boolean);
  });
  return [method.toLowerCase(), ...words.map((word) => word[0]!.toUpperCase() + word.slice(1))].join('');
}

/** The 2xx media types a route declares with `produces` (a PDF, a CSV), as response content. */
function producedBody(mediaType: string): Record<string, unknown> {
  if (mediaType === 'application/pdf') return { type: 'string', format: 'binary' };
  return { type: 'string' };
}

/**
 * A success answer in each media type the route produces: the JSON body by its schema, the others
 * (a CSV for Accept: text/csv, a PDF) as text or bytes.
 */
function inMediaTypes(answer: unknown, produces: readonly string[]): { description: string; content: Record<string, { schema: unknown }> } {
  const description = (answer as { description?: string } | undefined)?.description ?? 'Default Response';
  return { description, content: Object.fromEntries(produces.map((type) => [type, { schema: type === 'application/json' && answer !== undefined ? answer : producedBody(type) }])) };
}

/** The route's schema as the document shows it: every answer, an operationId, and who may call. */
function documentedSchema(route: Pick<RouteOptions, 'method' | 'url' | 'config'> & { schema?: FastifySchema | undefined }): FastifySchema & Record<string, unknown> {
  const schema = (route.schema ?? {}) as FastifySchema & { response?: Record<string, unknown>; produces?: readonly string[]; security?: unknown; hide?: boolean };
  const method = typeof route.method === 'string' ? route.method : (route.method[0] ?? 'GET');
  const config = (route.config ?? {}) as { access?: string; rateLimit?: unknown; csrfExempt?: boolean };
  const access = config.access ?? 'authenticated';
  const produces = schema.produces ?? [];
  const response: Record<string, unknown> = {};
  for (const [status, answer] of Object.entries(schema.response ?? {})) {
    const declared = typeof answer === 'object' && answer !== null && 'content' in answer;
    const otherMedia = produces.some((type) => type !== 'application/json');
    response[status] = declared || !otherMedia || Number(status) >= 400 || Number(status) === 204 ? answer : inMediaTypes(answer, produces);
  }
  // A PDF, a CSV or the metrics text: the route names only its media type.
  if (!Object.keys(response).some((status) => status.startsWith('2')) && produces.length > 0) response[200] = inMediaTypes(undefined, produces);
  const facts: RouteFacts = {
    method,
    access,
    rateLimited: config.rateLimit !== false,
    csrfExempt: config.csrfExempt === true,
    hasPathParameters: route.url.includes(':'),
    validates: schema.params !== undefined || schema.querystring !== undefined || schema.body !== undefined,
  };
  for (const status of sharedStatuses(facts)) response[status] ??= problemResponse(status, SHARED_ANSWERS[status]);
  const { produces: _produces, ...rest } = schema;
  return {
    ...rest,
    operationId: operationIdOf(method, route.url),
    ...(access === 'public' ? { security: [] } : {}),
    response: Object.fromEntries(Object.entries(response).sort(([a], [b]) => a.localeCompare(b))),
  };
}

/** @fastify/swagger's options: the document's header, and every route through documentedSchema. */
export function swaggerOptions(license: string): SwaggerOptions {
  return {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'loupe-billing',
        version: '1',
        description: 'Meters, gates and bills the AI features of a multi-tenant SaaS. Every 4xx and 5xx answer is application/problem+json with a stable `code`.',
        license: { name: license, identifier: license },
      },
      servers: [{ url: '/', description: 'The server that serves this document' }],
      components: {
        securitySchemes: {
          platformKey: { type: 'http', scheme: 'bearer', description: 'Platform API key' },
          session: { type: 'apiKey', in: 'cookie', name: 'loupe_session' },
        },
      },
      security: [{ platformKey: [] }, { session: [] }],
    },
    transform: ({ schema, url, route }) => (schema === undefined || (schema as { hide?: boolean }).hide === true ? { schema, url } : { schema: documentedSchema({ ...route, schema }) as never, url }),
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, index) => (typeof json.$id === 'string' ? json.$id : `def-${index}`) },
  };
}
