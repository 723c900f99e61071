import type { components } from './generated/openapi.js';
import type { UsageRequest } from './types.js';

/** The problem+json body every non-2xx answer of loupe-billing carries. */
export type Problem = components['schemas']['Problem'];

/** Why an AI action was not allowed (the `reason` of a refused authorization). */
export type DenialReason = 'FEATURE_DISABLED' | 'SUBSCRIPTION_INACTIVE' | 'CREDITS_EXHAUSTED' | 'OVERAGE_LIMIT_REACHED' | 'USER_LIMIT_REACHED';

/**
 * Every error this client throws is a LoupeError: one `instanceof` check catches them all, and
 * `code` tells them apart (the problem+json code, a denial reason, TIMEOUT, NETWORK_ERROR …).
 */
export class LoupeError extends Error {
  override name = 'LoupeError';
  constructor(
    message: string,
    readonly code: string,
    options?: { cause: unknown },
  ) {
    super(message, options);
  }
}

/** The server answered with a problem+json error; `code` is the stable code from its catalogue. */
export class LoupeApiError extends LoupeError {
  override name = 'LoupeApiError';
  readonly status: number;
  readonly title: string;
  readonly detail: string | undefined;
  /** Invalid fields and their messages (422 VALIDATION_FAILED). */
  readonly errors: Readonly<Record<string, readonly string[]>> | undefined;
  /** From the Retry-After header of a 429 or 503. */
  readonly retryAfterSeconds: number | undefined;

  constructor(input: { status: number; problem: Partial<Problem> | undefined; retryAfterSeconds: number | undefined; method: string; path: string }) {
    const problem = input.problem ?? {};
    const code = typeof problem.code === 'string' ? problem.code : `HTTP_${input.status}`;
    super(`${input.method} ${input.path} → ${input.status} ${code}${problem.detail ? `: ${problem.detail}` : ''}`, code);
    this.status = input.status;
    this.title = problem.title ?? `HTTP ${input.status}`;
    this.detail = problem.detail;
    this.errors = problem.errors;
    this.retryAfterSeconds = input.retryAfterSeconds;
  }
}

/** No answer within the client's timeout (the server may or may not have acted: keyed calls are retried). */
export class LoupeTimeoutError extends LoupeError {
  override name = 'LoupeTimeoutError';
  constructor(
    readonly method: string,
    readonly path: string,
    readonly timeoutMs: number,
  ) {
    super(`${method} ${path} did not answer within ${timeoutMs} ms`, 'TIMEOUT');
  }
}

/** The request never got an answer: refused connection, reset socket, DNS failure. */
export class LoupeNetworkError extends LoupeError {
  override name = 'LoupeNetworkError';
  constructor(
    readonly method: string,
    readonly path: string,
    options: { cause: unknown },
  ) {
    super(`${method} ${path} failed on the network: ${describe(options.cause)}`, 'NETWORK_ERROR', options);
  }
}

/** The org may not run this AI action now; `reason` says why (show it to the user, do not retry at once). */
export class CreditsDenied extends LoupeError {
  override name = 'CreditsDenied';
  constructor(
    readonly reason: DenialReason,
    /** Credits a new request may use; null = unbounded (on-demand with no cap). */
    readonly available: number | null,
    readonly request: { readonly org: string; readonly feature: string; readonly action: string },
  ) {
    super(`${request.feature}/${request.action} for org ${request.org} was not allowed: ${reason}`, reason);
  }
}

/**
 * The work ran but its usage could not be recorded (retries exhausted, or refused). The work's
 * result is kept here, and `usage` is the exact request to send again later with
 * `client.ai.recordUsage(org, usage)`: its idempotency key makes that charge at most once.
 */
export class UsageNotRecorded<T = unknown> extends LoupeError {
  override name = 'UsageNotRecorded';
  constructor(
    readonly org: string,
    readonly usage: UsageRequest,
    readonly result: T,
    options: { cause: unknown },
  ) {
    super(`The usage of ${usage.feature}/${usage.action} (key ${usage.idempotency_key}) was not recorded: ${describe(options.cause)}`, 'USAGE_NOT_RECORDED', options);
  }
}

function describe(cause: unknown): string {
  if (cause instanceof Error) {
    const inner = (cause as { cause?: unknown }).cause;
    return inner instanceof Error ? `${cause.message} (${inner.message})` : cause.message;
  }
  return String(cause);
}
