import { LoupeApiError, LoupeNetworkError, LoupeTimeoutError, type Problem } from './errors.js';
import { backoffDelayMs, DEFAULT_RETRY, parseRetryAfterMs, sleep, type RetryOptions } from './retry.js';

export interface TransportOptions {
  /** Where loupe-billing runs, e.g. https://billing.example.com */
  readonly baseUrl: string;
  /** A platform API key (lb_sk_…), sent as a Bearer token. */
  readonly apiKey: string;
  /** Per attempt; a call that is retried gets this much again. Default 10 s. */
  readonly timeoutMs?: number;
  readonly retry?: Partial<RetryOptions>;
  /** Another fetch (a proxy agent, a test's fault injection); default: the global fetch. */
  readonly fetch?: typeof fetch;
}

/**
 * `safe`: the call may be sent again without a second effect (GET, PUT, DELETE, and POSTs that are
 * keyed or idempotent by design), so it is retried after timeouts, network errors and 5xx.
 * `once`: retried only on 429, which the server answers before it acts.
 */
export type RetryMode = 'safe' | 'once';
export type ResponseKind = 'json' | 'text' | 'bytes';

export interface Call {
  readonly method: 'GET' | 'PUT' | 'POST' | 'DELETE' | 'PATCH';
  /** A path template of the API, e.g. /v1/orgs/{org}/balance */
  readonly path: string;
  readonly pathParams?: Readonly<Record<string, string>> | undefined;
  readonly query?: Readonly<Record<string, string | number | boolean | undefined>> | undefined;
  readonly body?: unknown;
  readonly retry: RetryMode;
  readonly accept?: ResponseKind;
  readonly signal?: AbortSignal | undefined;
}

export interface Answer<T> {
  readonly status: number;
  readonly headers: Headers;
  readonly data: T;
}

export type Transport = <T>(call: Call) => Promise<Answer<T>>;

const ACCEPT_HEADER: Record<ResponseKind, string> = {
  json: 'application/json',
  text: 'text/csv, text/plain',
  bytes: 'application/pdf, application/zip, application/octet-stream',
};

export function createTransport(options: TransportOptions): Transport {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 10_000;
  const retry: RetryOptions = { ...DEFAULT_RETRY, ...options.retry };
  const fetchImpl = options.fetch ?? globalThis.fetch;
  if (typeof fetchImpl !== 'function') throw new TypeError('No fetch: run on Node.js 20+ or pass options.fetch');
  if (!options.apiKey) throw new TypeError('createClient needs an apiKey');

  return async function send<T>(call: Call): Promise<Answer<T>> {
    const url = buildUrl(baseUrl, call);
    const accept = call.accept ?? 'json';
    const headers: Record<string, string> = { authorization: `Bearer ${options.apiKey}`, accept: `${ACCEPT_HEADER[accept]}, application/problem+json` };
    if (call.body !== undefined) headers['content-type'] = 'application/json';
    const body = call.body === undefined ? undefined : JSON.stringify(call.body);

    for (let attempt = 1; ; attempt += 1) {
      const lastAttempt = attempt >= retry.maxAttempts;
      const signal = call.signal ? AbortSignal.any([call.signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs);
      let response: Response;
      let data: unknown;
      try {
        response = await fetchImpl(url, { method: call.method, headers, body, signal });
        data = await readBody(response, response.ok ? accept : 'json');
      } catch (error) {
        if (call.signal?.aborted) throw call.signal.reason;
        const failure = isTimeout(error) ? new LoupeTimeoutError(call.method, call.path, timeoutMs) : new LoupeNetworkError(call.method, call.path, { cause: error });
        if (call.retry !== 'safe' || lastAttempt) throw failure;
        await sleep(backoffDelayMs(attempt, retry), call.signal);
        continue;
      }
      if (response.ok) return { status: response.status, headers: response.headers, data: data as T };

      const retryAfterMs = parseRetryAfterMs(response.headers.get('retry-after'));
      const error = new LoupeApiError({
        status: response.status,
        problem: isProblem(data) ? data : undefined,
        retryAfterSeconds: retryAfterMs === undefined ? undefined : Math.ceil(retryAfterMs / 1_000),
        method: call.method,
        path: call.path,
      });
      const retryable = response.status === 429 || (call.retry === 'safe' && response.status >= 500 && response.status !== 501);
      if (!retryable || lastAttempt) throw error;
      if (retryAfterMs !== undefined && retryAfterMs > retry.maxRetryAfterMs) throw error;
      // Wait at least what the server asked for, plus a little jitter so callers do not return as one.
      const waitMs = retryAfterMs === undefined ? backoffDelayMs(attempt, retry) : retryAfterMs + Math.random() * Math.min(retryAfterMs * 0.2, 1_000);
      await sleep(waitMs, call.signal);
    }
  };
}

function buildUrl(baseUrl: string, call: Call): string {
  const path = call.path.replace(/\{(\w+)\}/g, (_match, name: string) => {
    const value = call.pathParams?.[name];
    if (value === undefined || value === '') throw new TypeError(`${call.method} ${call.path} needs a value for {${name}}`);
    return encodeURIComponent(value);
  });
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(call.query ?? {})) {
    if (value !== undefined) search.set(name, String(value));
  }
  const query = search.toString();
  return `${baseUrl}${path}${query ? `?${query}` : ''}`;
}

async function readBody(response: Response, kind: ResponseKind): Promise<unknown> {
  if (kind === 'bytes') return new Uint8Array(await response.arrayBuffer());
  const text = await response.text();
  if (kind === 'text') return text;
  if (text === '') return undefined;
  const type = response.headers.get('content-type') ?? '';
  if (!type.includes('json')) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function isProblem(data: unknown): data is Partial<Problem> {
  return typeof data === 'object' && data !== null && 'status' in data && 'title' in data;
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || (error.cause instanceof Error && error.cause.name === 'TimeoutError'));
}
