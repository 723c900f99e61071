import { isDatabaseUnavailable } from '../db/errors.js';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { FAILURES, Failure, retryAfterOf, type FailureCode, type FieldErrors } from '../domain/failures.js';
import { ProviderUnavailable } from '../providers/payments.js';
import { InvariantViolation } from '../domain/assert.js';

/**
 * The one place where failures become application/problem+json (RFC 9457):
 * {type, title, status, code, detail, errors?: {field: [message]}}.
 */
export interface Problem {
  type: string;
  title: string;
  status: number;
  code: FailureCode;
  detail: string;
  errors?: FieldErrors;
}

export function problemFor(code: FailureCode, detail?: string, errors?: FieldErrors): Problem {
  const { status, title } = FAILURES[code];
  return {
    type: `https://loupe-billing.dev/problems/${code.toLowerCase().replaceAll('_', '-')}`,
    title,
    status,
    code,
    detail: detail ?? title,
    ...(errors && Object.keys(errors).length > 0 ? { errors } : {}),
  };
}

/** Sends a problem, with the catalogue's Retry-After unless the failure set its own. */
export function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  const retryAfter = retryAfterOf(problem.code);
  if (retryAfter !== undefined && !reply.hasHeader('retry-after')) reply.header('retry-after', String(retryAfter));
  return reply.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
}

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** `/billing_address/country` → `billing_address.country`; a missing or unknown field by its name. */
function fieldOf(error: AjvError, part: string | undefined): string {
  const segments = error.instancePath.split('/').filter(Boolean);
  if (error.keyword === 'required') segments.push(String(error.params.missingProperty));
  if (error.keyword === 'additionalProperties') segments.push(String(error.params.additionalProperty));
  if (segments.length === 0) return part === 'body' || part === undefined ? 'body' : part;
  return segments.join('.');
}

function messageOf(error: AjvError): string {
  switch (error.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not a known field';
    case 'enum':
      return `must be one of ${(error.params.allowedValues as unknown[]).map(String).join(', ')}`;
    default:
      return error.message ?? 'is invalid';
  }
}

export function fieldErrors(errors: readonly AjvError[], part: string | undefined): FieldErrors {
  // No prototype: a refused field may be named "constructor" or "__proto__".
  const result: FieldErrors = Object.create(null) as FieldErrors;
  for (const error of errors) {
    // anyOf/oneOf wrap the real errors of their branches; those are reported already.
    if (error.keyword === 'anyOf' || error.keyword === 'oneOf' || error.keyword === 'if') continue;
    const field = fieldOf(error, part);
    const message = messageOf(error);
    const messages = (result[field] ??= []);
    if (!messages.includes(message)) messages.push(message);
  }
  return result;
}

const FASTIFY_CODES: Partial<Record<string, FailureCode>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'INVALID_JSON',
  FST_ERR_CTP_INVALID_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
};

export function handleError(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error instanceof Failure) {
    if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
    return sendProblem(reply, problemFor(error.code, error.message, error.errors));
  }
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    const errors = fieldErrors(fastifyError.validation as AjvError[], fastifyError.validationContext);
    return sendProblem(reply, problemFor('VALIDATION_FAILED', `Invalid fields: ${Object.keys(errors).join(', ')}`, errors));
  }
  const mapped = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined;
  if (mapped) return sendProblem(reply, problemFor(mapped, error.message));
  if (fastifyError.statusCode === 413) return sendProblem(reply, problemFor('PAYLOAD_TOO_LARGE'));
  if (fastifyError.statusCode === 415) return sendProblem(reply, problemFor('UNSUPPORTED_MEDIA_TYPE'));
  if (fastifyError.statusCode !== undefined && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return sendProblem(reply, { ...problemFor('VALIDATION_FAILED', error.message), status: fastifyError.statusCode, title: 'Bad request' });
  }
  if (isDatabaseUnavailable(error)) return sendProblem(reply, problemFor('NOT_READY', 'The database is not reachable; retry shortly.'));
  // The one place a provider outage becomes an answer; use cases that can go on without the
  // provider's answer (a purchase left pending, a refund finished later) catch it themselves.
  if (error instanceof ProviderUnavailable) {
    request.log.warn({ err: error }, 'payment provider unavailable');
    return sendProblem(reply, problemFor('PAYMENT_PROVIDER_UNAVAILABLE'));
  }
  const label = error instanceof InvariantViolation ? 'ledger invariant broken' : 'unexpected error';
  request.log.error({ err: error }, label);
  return sendProblem(reply, problemFor('INTERNAL', 'The request failed on our side; nothing was changed.'));
}

