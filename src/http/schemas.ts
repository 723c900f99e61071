import { Type, type TSchema } from '@sinclair/typebox';
import { MAX_TOKENS_PER_REQUEST } from '../domain/credits.js';

/** Schemas shared by several routes. They validate requests and produce the OpenAPI document. */

export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    code: Type.String(),
    detail: Type.String(),
    errors: Type.Optional(Type.Record(Type.String(), Type.Array(Type.String()))),
  },
  { $id: 'Problem', description: 'application/problem+json' },
);

const problemRef = Type.Ref('Problem');

/** The failures routes declare themselves, by their HTTP name. */
const REASONS: Partial<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Content Too Large',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  503: 'Service Unavailable',
};

/** A failure answer as the document shows it: a Problem, served as application/problem+json. */
export function problemResponse(status: number, description = `${status} ${REASONS[status] ?? 'problem'}`): { description: string; content: { 'application/problem+json': { schema: TSchema } } } {
  return { description, content: { 'application/problem+json': { schema: problemRef } } };
}

/**
 * The failures a route's own use case answers with, for the OpenAPI document. The answers every
 * route may give (bad JSON, validation, auth, rate limit, outages) are added by openapi.ts.
 */
export function problems(...statuses: number[]): Record<number, ReturnType<typeof problemResponse>> {
  return Object.fromEntries(statuses.map((status) => [status, problemResponse(status)]));
}

/** A closed set of strings, as a JSON Schema enum (ajv then names the allowed values). */
export function StringEnum<const T extends readonly string[]>(values: T, options: { description?: string } = {}) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

export const OrgId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9_-]*$' });
export const OrgParams = Type.Object({ org: OrgId });

/** Free-text identifiers from the host app: user ids, actions, idempotency keys. */
export const Identifier = (maxLength = 200) => Type.String({ minLength: 1, maxLength, pattern: '^[^\\u0000-\\u001f]+$' });

export const Tokens = Type.Integer({ minimum: 0, maximum: MAX_TOKENS_PER_REQUEST, description: `0 to ${MAX_TOKENS_PER_REQUEST.toLocaleString('en-US')} tokens` });
export const Credits = Type.Integer({ minimum: 0 });
export const NullableCredits = Type.Union([Type.Integer(), Type.Null()]);
export const Timestamp = Type.String({
  format: 'date-time',
  description: 'An RFC 3339 date-time from 2000-01-01T00:00:00Z up to (not including) 2200-01-01T00:00:00Z; any offset; no leap second.',
});

export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
};

/** Free text for people (names, reasons): any characters but NUL, which PostgreSQL cannot store. */
export const Text = (options: { minLength?: number; maxLength: number; description?: string }) =>
  Type.String({ minLength: 1, ...options, pattern: '^[^\\u0000]*$' });

export const Email = Type.String({ format: 'email', maxLength: 254 });
export const PersonName = Text({ maxLength: 200 });
