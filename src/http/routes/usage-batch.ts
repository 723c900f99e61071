import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifySchemaCompiler } from 'fastify';
import { existingOrgs } from '../../db/orgs.js';
import { FAILURES, Failure, type FailureCode, type FieldErrors } from '../../domain/failures.js';
import { recordUsageBatch, type RecordUsageInput } from '../../billing/record-usage.js';
import type { BillingDeps } from '../../billing/deps.js';
import { isDatabaseUnavailable } from '../../db/errors.js';
import { fieldErrors } from '../problem.js';
import { validatorCompiler } from '../validation.js';
import { OrgId, StringEnum, problems } from '../schemas.js';
import { UsageAnswer, usageRecordFields } from './metering.js';

/** At most this many events a request (Stripe's v2 stream and Lago take 100, Autumn and m3ter 1,000). */
export const MAX_BATCH_EVENTS = 1_000;
/** A batch body may be this large: 1,000 events of the largest allowed fields fit (about 1.3 KB each). */
export const BATCH_BODY_LIMIT_BYTES = 2 * 1024 * 1024;

const ErrorResult = Type.Object({
  index: Type.Integer(),
  status: Type.Integer({ description: 'The HTTP status this event alone would have been answered with: 404, 409, 422 …' }),
  code: Type.String(),
  detail: Type.String(),
  errors: Type.Optional(Type.Record(Type.String(), Type.Array(Type.String()))),
});
const AppliedResult = Type.Composite([
  Type.Object({ index: Type.Integer(), status: Type.Union([Type.Literal(201), Type.Literal(200)], { description: '201: recorded now; 200: a replay of the key, with the first answer' }) }),
  UsageAnswer,
]);

type EventResult = string;

/**
 * POST /v1/usage/batch: up to 1,000 usage events of any orgs in one request, each answered on its own
 * and synchronously, after its ledger cycle committed. Only the envelope is validated by the route's
 * schema; each event is checked against the single record's schema here, so one bad event gets its own
 * 422 and never affects the others.
 */
export const usageBatchRoutes = (deps: BillingDeps, features: readonly string[]): FastifyPluginAsyncTypebox =>
  async (app) => {
    const Feature = StringEnum(features, { description: 'An AI module' });
    const Event = Type.Object({ org_id: OrgId, ...usageRecordFields(Feature) }, { additionalProperties: false });
    const validateEvent = validatorCompiler({ schema: Event, httpPart: 'body', method: 'POST', url: '/v1/usage/batch' }) as unknown as {
      (event: unknown): boolean;
      errors: Parameters<typeof fieldErrors>[0] | null;
    };
    const Envelope = Type.Object({ events: Type.Array(Type.Unknown(), { minItems: 1, maxItems: MAX_BATCH_EVENTS }) }, { additionalProperties: false });
    const validateEnvelope = validatorCompiler({ schema: Envelope, httpPart: 'body', method: 'POST', url: '/v1/usage/batch' });
    // The documented body names the event's fields; the route itself checks only the envelope.
    const envelopeOnly: FastifySchemaCompiler<object> = ({ httpPart }) => (httpPart === 'body' ? validateEnvelope : () => true);

    app.post('/v1/usage/batch', {
      config: { access: 'platform', metering: true },
      bodyLimit: BATCH_BODY_LIMIT_BYTES,
      validatorCompiler: envelopeOnly,
      schema: {
        tags: ['metering'],
        summary: 'Record up to 1,000 usage events of any orgs, each answered on its own',
        description:
          'Each event is the body of a single usage record plus its `org_id`, and is applied exactly once or not at all. ' +
          'The answer has one result per event, in request order: 201 recorded, 200 a replay of its key (the first answer), ' +
          '409 IDEMPOTENCY_CONFLICT, 404 ORG_NOT_FOUND, 422 with the event’s bad fields. An org’s events apply in array order. ' +
          `A bad envelope (not an array, no events, more than ${MAX_BATCH_EVENTS}, a body over ${BATCH_BODY_LIMIT_BYTES / 1024 / 1024} MiB) ` +
          'is refused whole and nothing is applied. Idempotency keys never expire while their usage row exists.',
        body: Type.Object({ events: Type.Array(Event, { minItems: 1, maxItems: MAX_BATCH_EVENTS }) }, {
          additionalProperties: false,
          examples: [
            {
              events: [
                { org_id: 'acme', idempotency_key: 'evt-1001', user_id: 'u_42', feature: features[0] ?? 'assistant', action: 'chat', tokens: 1_200 },
                { org_id: 'globex', idempotency_key: 'evt-1002', user_id: 'u_7', feature: features[0] ?? 'assistant', action: 'summarize', tokens: 5_400, occurred_at: '2026-12-03T10:15:00Z' },
              ],
            },
          ],
        }),
        response: { 200: Type.Object({ results: Type.Array(Type.Union([AppliedResult, ErrorResult])) }), ...problems(400, 401, 403, 413, 422, 429) },
      },
      handler: async (request, reply) => {
        const events = (request.body as { events: unknown[] }).events;
        const results: EventResult[] = new Array<EventResult>(events.length);
        const valid: { index: number; input: RecordUsageInput }[] = [];
        const invalid: { index: number; orgId: unknown; errors: FieldErrors }[] = [];
        events.forEach((event, index) => {
          if (validateEvent(event)) valid.push({ index, input: toInput(event as Static<typeof Event>) });
          else invalid.push({ index, orgId: (event as { org_id?: unknown } | null)?.org_id, errors: fieldErrors(validateEvent.errors ?? [], 'body') });
        });
        // As for a single record, an unknown org is 404 whatever else is wrong with the event.
        const known = await existingOrgs(deps.db, invalid.flatMap((event) => (typeof event.orgId === 'string' && event.orgId.length <= 64 ? [event.orgId] : [])));
        for (const event of invalid) {
          results[event.index] =
            typeof event.orgId === 'string' && !event.errors.org_id && !known.has(event.orgId)
              ? errorResult(event.index, 'ORG_NOT_FOUND', `There is no organization ${event.orgId}.`)
              : errorResult(event.index, 'VALIDATION_FAILED', `Invalid fields: ${Object.keys(event.errors).join(', ')}`, event.errors);
        }
        const outcomes = await recordUsageBatch(
          deps,
          valid.map((event) => event.input),
        );
        outcomes.forEach((outcome, position) => {
          const { index } = valid[position]!;
          if (outcome.status === 'fulfilled') {
            // The stored answer's own bytes after index and status: a replay is the first answer, byte for byte.
            results[index] = `{"index":${index},"status":${outcome.value.replayed ? 200 : 201},${outcome.value.body.slice(1)}`;
          } else {
            if (!(outcome.reason instanceof Failure) && !isDatabaseUnavailable(outcome.reason)) request.log.error({ err: outcome.reason }, 'usage batch event failed');
            results[index] = failedResult(index, outcome.reason);
          }
        });
        // Nothing applied at all because the database is down: the batch fails whole, to be retried whole.
        if (valid.length > 0 && invalid.length === 0 && outcomes.every((outcome) => outcome.status === 'rejected' && isDatabaseUnavailable(outcome.reason))) {
          throw (outcomes[0] as PromiseRejectedResult).reason;
        }
        return reply.header('content-type', 'application/json; charset=utf-8').send(`{"results":[${results.join(',')}]}` as never);
      },
    });
  };

function toInput(event: { org_id: string; idempotency_key: string; hold_id?: string; user_id: string; user_name?: string; feature: string; action: string; tokens: number; occurred_at?: string }): RecordUsageInput {
  return {
    orgId: event.org_id,
    idempotencyKey: event.idempotency_key,
    holdId: event.hold_id,
    userId: event.user_id,
    userName: event.user_name,
    feature: event.feature,
    action: event.action,
    tokens: event.tokens,
    occurredAt: event.occurred_at === undefined ? undefined : new Date(event.occurred_at),
  };
}

function errorResult(index: number, code: FailureCode, detail: string, errors?: FieldErrors): EventResult {
  return JSON.stringify({ index, status: FAILURES[code].status, code, detail, ...(errors && Object.keys(errors).length > 0 ? { errors } : {}) });
}

/** A failure of one event, as the single record route would answer it; anything unexpected is that event's 500. */
function failedResult(index: number, reason: unknown): EventResult {
  if (reason instanceof Failure) return errorResult(index, reason.code, reason.message, reason.errors);
  if (isDatabaseUnavailable(reason)) return errorResult(index, 'NOT_READY', 'The database is not reachable; retry this event shortly.');
  return errorResult(index, 'INTERNAL', 'This event failed on our side; it was not applied.');
}
