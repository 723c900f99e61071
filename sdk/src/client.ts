import { createTransport, type Answer, type ResponseKind, type RetryMode, type TransportOptions } from './transport.js';
import type { JsonBody, Method, PathParams, PathWith, QueryParams, SuccessBody, UsageRequest } from './types.js';
import { createCreditsHelpers } from './with-credits.js';
import { createUsageBuffer, type BufferedEvent, type UsageBufferOptions, type UsageEvent, type UsageEventResult } from './usage-buffer.js';

export type ClientOptions = TransportOptions;

/** Per call: cancel it with a signal. */
export interface CallOptions {
  readonly signal?: AbortSignal;
}

export interface RequestInput<P extends PathWith<M>, M extends Method> extends CallOptions {
  readonly path?: PathParams<P, M>;
  readonly query?: QueryParams<P, M>;
  readonly body?: JsonBody<P, M>;
  /** Default: GET, PUT and DELETE are `safe` (retried on any transient failure), POST and PATCH `once`. */
  readonly retry?: RetryMode;
  readonly accept?: ResponseKind;
}

/** A POST that takes an idempotency key: leave it out and the client makes one, kept across its retries. */
type Keyed<T extends { idempotency_key: string }> = Omit<T, 'idempotency_key'> & { idempotency_key?: string };

type Body<P extends PathWith<M>, M extends Method> = NonNullable<JsonBody<P, M>>;
type Query<P extends PathWith<M>, M extends Method> = NonNullable<QueryParams<P, M>>;

const SAFE_METHODS = new Set(['GET', 'PUT', 'DELETE']);

/**
 * The typed client: one method per endpoint of the API (docs: API.md), `request` for any path of the
 * OpenAPI document, and `withCredits` / `withCreditsStream` around every AI call of the host app.
 */
export function createClient(options: ClientOptions) {
  const transport = createTransport(options);

  async function exchange<M extends Method, P extends PathWith<M>>(method: M, path: P, input: RequestInput<P, M> = {}): Promise<Answer<SuccessBody<P, M>>> {
    const httpMethod = method.toUpperCase() as 'GET' | 'PUT' | 'POST' | 'DELETE' | 'PATCH';
    return transport<SuccessBody<P, M>>({
      method: httpMethod,
      path,
      pathParams: input.path as Record<string, string> | undefined,
      query: input.query as Record<string, string | number | boolean | undefined> | undefined,
      body: input.body,
      retry: input.retry ?? (SAFE_METHODS.has(httpMethod) ? 'safe' : 'once'),
      accept: input.accept ?? 'json',
      signal: input.signal,
    });
  }

  /** Any operation of the OpenAPI document, typed by path and method; answers the 2xx body. */
  async function request<M extends Method, P extends PathWith<M>>(method: M, path: P, input: RequestInput<P, M> = {}): Promise<SuccessBody<P, M>> {
    return (await exchange(method, path, input)).data;
  }

  async function raw<T>(path: PathWith<'get'>, params: Record<string, string>, accept: ResponseKind, query?: Record<string, string | number | boolean | undefined>, call: CallOptions = {}): Promise<T> {
    return (await transport<T>({ method: 'GET', path, pathParams: params, query, retry: 'safe', accept, signal: call.signal })).data;
  }

  const keyed = <T extends { idempotency_key: string }>(body: Keyed<T>): T => ({ ...body, idempotency_key: body.idempotency_key ?? crypto.randomUUID() }) as T;

  const ai = {
    /** May this user run this AI action? Allowed: a hold reserves the credits. Refused: `reason`. */
    authorize: (org: string, body: Body<'/v1/orgs/{org}/ai/authorize', 'post'>, call?: CallOptions) =>
      request('post', '/v1/orgs/{org}/ai/authorize', { path: { org }, body, ...call }),
    /** Gives a hold's credits back (safe to repeat). */
    release: (org: string, holdId: string, call?: CallOptions) =>
      request('post', '/v1/orgs/{org}/ai/holds/{hold_id}/release', { path: { org, hold_id: holdId }, retry: 'safe', ...call }),
    /** Records tokens used; the idempotency key (made here when left out) makes retries charge once. */
    recordUsage: (org: string, body: Keyed<UsageRequest>, call?: CallOptions) =>
      request('post', '/v1/orgs/{org}/ai/usage', { path: { org }, body: keyed(body), retry: 'safe', ...call }),
  };

  /**
   * Up to 1,000 usage events of any orgs in one request; one result per event, in order (201 recorded,
   * 200 replayed, 404 / 409 / 422 with a code). Keys left out are made here and kept across retries,
   * so a retried batch charges each event once.
   */
  const recordUsageBatch = async (events: readonly BufferedEvent[], call?: CallOptions): Promise<UsageEventResult[]> => {
    const keyedEvents = events.map((event) => ({ ...event, idempotency_key: event.idempotency_key ?? crypto.randomUUID() }) as UsageEvent);
    return (await request('post', '/v1/usage/batch', { body: { events: keyedEvents }, retry: 'safe', ...call })).results;
  };

  const client = {
    request,
    recordUsageBatch,
    /** A buffer that batches `record(event)` calls by count and time (see usage-buffer.ts). */
    createUsageBuffer: (options?: UsageBufferOptions) =>
      // The buffer retries whole batches itself, after Retry-After: the transport sends each attempt once.
      createUsageBuffer((events) => request('post', '/v1/usage/batch', { body: { events }, retry: 'once' }).then((answer) => answer.results), options),
    /** Like `request`, with the status and headers (e.g. `idempotent-replayed`). */
    exchange,
    health: (call?: CallOptions) => request('get', '/healthz', { ...call }),
    ready: (call?: CallOptions) => request('get', '/readyz', { ...call }),
    plans: {
      list: (call?: CallOptions) => request('get', '/v1/plans', { ...call }),
    },
    orgs: {
      /** A new org with its first admin (platform key). */
      create: (body: Body<'/v1/orgs', 'post'>, call?: CallOptions) => request('post', '/v1/orgs', { body, ...call }),
      get: (org: string, call?: CallOptions) => request('get', '/v1/orgs/{org}', { path: { org }, ...call }),
      update: (org: string, body: Body<'/v1/orgs/{org}', 'patch'>, call?: CallOptions) => request('patch', '/v1/orgs/{org}', { path: { org }, body, ...call }),
      getContract: (org: string, call?: CallOptions) => request('get', '/v1/orgs/{org}/contract', { path: { org }, ...call }),
      setContract: (org: string, body: Body<'/v1/orgs/{org}/contract', 'put'>, call?: CallOptions) =>
        request('put', '/v1/orgs/{org}/contract', { path: { org }, body, ...call }),
      listMembers: (org: string, call?: CallOptions) => request('get', '/v1/orgs/{org}/members', { path: { org }, ...call }),
      addMember: (org: string, body: Body<'/v1/orgs/{org}/members', 'post'>, call?: CallOptions) =>
        request('post', '/v1/orgs/{org}/members', { path: { org }, body, ...call }),
      /** Make a member an admin or an admin a member (the last admin stays one). */
      changeMemberRole: (org: string, userId: string, body: Body<'/v1/orgs/{org}/members/{id}', 'patch'>, call?: CallOptions) =>
        request('patch', '/v1/orgs/{org}/members/{id}', { path: { org, id: userId }, body, ...call }),
      removeMember: (org: string, userId: string, call?: CallOptions) => request('delete', '/v1/orgs/{org}/members/{id}', { path: { org, id: userId }, ...call }),
      /** Promotional credits or an adjustment (platform key). */
      grant: (org: string, body: Body<'/v1/orgs/{org}/grants', 'post'>, call?: CallOptions) =>
        request('post', '/v1/orgs/{org}/grants', { path: { org }, body, ...call }),
      export: (org: string, call?: CallOptions) => request('get', '/v1/orgs/{org}/export', { path: { org }, ...call }),
      /** The export as a zip: usage.csv, the ledger, invoices and their PDFs. */
      exportZip: (org: string, call?: CallOptions) => raw<Uint8Array>('/v1/orgs/{org}/export', { org }, 'bytes', { format: 'zip' }, call),
    },
    balance: {
      get: (org: string, call?: CallOptions) => request('get', '/v1/orgs/{org}/balance', { path: { org }, ...call }),
    },
    ai,
    usage: {
      list: (org: string, query?: Query<'/v1/orgs/{org}/usage', 'get'>, call?: CallOptions) =>
        request('get', '/v1/orgs/{org}/usage', { path: { org }, query, ...call }),
      /** Each user's credits this period and their monthly limit. */
      users: (org: string, call?: CallOptions) => request('get', '/v1/orgs/{org}/usage/users', { path: { org }, ...call }),
      /** Every usage row matching the filter, page by page. */
      async *iterate(org: string, query: Omit<Query<'/v1/orgs/{org}/usage', 'get'>, 'cursor'> = {}, call?: CallOptions) {
        let cursor: string | undefined;
        do {
          const page = await client.usage.list(org, { ...query, ...(cursor ? { cursor } : {}) }, call);
          yield* page.items;
          cursor = page.next_cursor ?? undefined;
        } while (cursor);
      },
      /** The same filter as CSV text. */
      csv: (org: string, query?: Omit<Query<'/v1/orgs/{org}/usage', 'get'>, 'cursor' | 'limit'>, call?: CallOptions) =>
        raw<string>('/v1/orgs/{org}/usage.csv', { org }, 'text', query, call),
      trends: (org: string, query?: Query<'/v1/orgs/{org}/usage/trends', 'get'>, call?: CallOptions) =>
        request('get', '/v1/orgs/{org}/usage/trends', { path: { org }, query, ...call }),
      summary: (org: string, query?: Query<'/v1/orgs/{org}/usage/summary', 'get'>, call?: CallOptions) =>
        request('get', '/v1/orgs/{org}/usage/summary', { path: { org }, query, ...call }),
    },
    settings: {
      getAiFeatures: (org: string, call?: CallOptions) => request('get', '/v1/orgs/{org}/settings/ai-features', { path: { org }, ...call }),
      setAiFeatures: (org: string, body: Body<'/v1/orgs/{org}/settings/ai-features', 'put'>, call?: CallOptions) =>
        request('put', '/v1/orgs/{org}/settings/ai-features', { path: { org }, body, ...call }),
      getOnDemand: (org: string, call?: CallOptions) => request('get', '/v1/orgs/{org}/settings/on-demand', { path: { org }, ...call }),
      setOnDemand: (org: string, body: Body<'/v1/orgs/{org}/settings/on-demand', 'put'>, call?: CallOptions) =>
        request('put', '/v1/orgs/{org}/settings/on-demand', { path: { org }, body, ...call }),
      getNotifications: (org: string, call?: CallOptions) => request('get', '/v1/orgs/{org}/settings/notifications', { path: { org }, ...call }),
      setNotifications: (org: string, body: Body<'/v1/orgs/{org}/settings/notifications', 'put'>, call?: CallOptions) =>
        request('put', '/v1/orgs/{org}/settings/notifications', { path: { org }, body, ...call }),
      getAutoRecharge: (org: string, call?: CallOptions) => request('get', '/v1/orgs/{org}/settings/auto-recharge', { path: { org }, ...call }),
      setAutoRecharge: (org: string, body: Body<'/v1/orgs/{org}/settings/auto-recharge', 'put'>, call?: CallOptions) =>
        request('put', '/v1/orgs/{org}/settings/auto-recharge', { path: { org }, body, ...call }),
      getUserLimits: (org: string, call?: CallOptions) => request('get', '/v1/orgs/{org}/settings/user-limits', { path: { org }, ...call }),
      /** Per-member monthly limits: the default and every override (replaces them all; null = no limit). */
      setUserLimits: (org: string, body: Body<'/v1/orgs/{org}/settings/user-limits', 'put'>, call?: CallOptions) =>
        request('put', '/v1/orgs/{org}/settings/user-limits', { path: { org }, body, ...call }),
    },
    paymentMethods: {
      list: (org: string, call?: CallOptions) => request('get', '/v1/orgs/{org}/payment-methods', { path: { org }, ...call }),
      add: (org: string, body: Body<'/v1/orgs/{org}/payment-methods', 'post'>, call?: CallOptions) =>
        request('post', '/v1/orgs/{org}/payment-methods', { path: { org }, body, ...call }),
      setDefault: (org: string, id: string, call?: CallOptions) =>
        request('post', '/v1/orgs/{org}/payment-methods/{id}/default', { path: { org, id }, retry: 'safe', ...call }),
      remove: (org: string, id: string, call?: CallOptions) => request('delete', '/v1/orgs/{org}/payment-methods/{id}', { path: { org, id }, ...call }),
    },
    purchases: {
      /** Buys credits; the idempotency key (made here when left out) makes retries charge once. */
      create: (org: string, body: Keyed<Body<'/v1/orgs/{org}/credit-purchases', 'post'>>, call?: CallOptions) =>
        request('post', '/v1/orgs/{org}/credit-purchases', { path: { org }, body: keyed(body), retry: 'safe', ...call }),
      list: (org: string, query?: Query<'/v1/orgs/{org}/credit-purchases', 'get'>, call?: CallOptions) =>
        request('get', '/v1/orgs/{org}/credit-purchases', { path: { org }, query, ...call }),
      quote: (org: string, query: Query<'/v1/orgs/{org}/credit-purchases/quote', 'get'>, call?: CallOptions) =>
        request('get', '/v1/orgs/{org}/credit-purchases/quote', { path: { org }, query, ...call }),
      /** Refunds a purchase's unused credits (platform key); the idempotency key (made here when left out) makes retries refund once. */
      refund: (org: string, purchaseId: string, body: Body<'/v1/orgs/{org}/credit-purchases/{id}/refund', 'post'>, call?: CallOptions) =>
        request('post', '/v1/orgs/{org}/credit-purchases/{id}/refund', {
          path: { org, id: purchaseId },
          body: { ...body, idempotency_key: body.idempotency_key ?? crypto.randomUUID() },
          retry: 'safe',
          ...call,
        }),
    },
    subscription: {
      change: (org: string, body: Body<'/v1/orgs/{org}/subscription/change', 'post'>, call?: CallOptions) =>
        request('post', '/v1/orgs/{org}/subscription/change', { path: { org }, body, ...call }),
      cancel: (org: string, call?: CallOptions) => request('post', '/v1/orgs/{org}/subscription/cancel', { path: { org }, ...call }),
      resume: (org: string, call?: CallOptions) => request('post', '/v1/orgs/{org}/subscription/resume', { path: { org }, ...call }),
    },
    invoices: {
      list: (org: string, query?: Query<'/v1/orgs/{org}/invoices', 'get'>, call?: CallOptions) =>
        request('get', '/v1/orgs/{org}/invoices', { path: { org }, query, ...call }),
      get: (org: string, id: string, call?: CallOptions) => request('get', '/v1/orgs/{org}/invoices/{id}', { path: { org, id }, ...call }),
      /** The next period invoice as it stands now (a draft with an estimated tax). */
      upcoming: (org: string, call?: CallOptions) => request('get', '/v1/orgs/{org}/invoices/upcoming', { path: { org }, ...call }),
      /** Charges an open invoice to the default card now. */
      pay: (org: string, id: string, call?: CallOptions) => request('post', '/v1/orgs/{org}/invoices/{id}/pay', { path: { org, id }, ...call }),
      /** The invoice as a PDF file. */
      pdf: (org: string, id: string, call?: CallOptions) => raw<Uint8Array>('/v1/orgs/{org}/invoices/{id}/pdf', { org, id }, 'bytes', undefined, call),
    },
    disputes: {
      /** Card disputes of the org's credit purchases, newest first: open ones keep their credits frozen. */
      list: (org: string, call?: CallOptions) => request('get', '/v1/orgs/{org}/disputes', { path: { org }, ...call }),
      /** Decides an open dispute as the bank would (built-in provider only, platform key): won gives the credits back, lost takes them. */
      decide: (org: string, id: string, body: Body<'/v1/orgs/{org}/disputes/{id}/decide', 'post'>, call?: CallOptions) =>
        request('post', '/v1/orgs/{org}/disputes/{id}/decide', { path: { org, id }, body, ...call }),
    },
    creditNotes: {
      /** A credit note: money paid back on a credit purchase (its id is in the refund and in billing history). */
      get: (org: string, id: string, call?: CallOptions) => request('get', '/v1/orgs/{org}/credit-notes/{id}', { path: { org, id }, ...call }),
      /** The credit note as a PDF file. */
      pdf: (org: string, id: string, call?: CallOptions) => raw<Uint8Array>('/v1/orgs/{org}/credit-notes/{id}/pdf', { org, id }, 'bytes', undefined, call),
    },
    billingHistory: {
      list: (org: string, query?: Query<'/v1/orgs/{org}/billing-history', 'get'>, call?: CallOptions) =>
        request('get', '/v1/orgs/{org}/billing-history', { path: { org }, query, ...call }),
    },
    notifications: {
      list: (org: string, query?: Query<'/v1/orgs/{org}/notifications', 'get'>, call?: CallOptions) =>
        request('get', '/v1/orgs/{org}/notifications', { path: { org }, query, ...call }),
      markRead: (org: string, id: string, call?: CallOptions) =>
        request('post', '/v1/orgs/{org}/notifications/{id}/read', { path: { org, id }, retry: 'safe', ...call }),
      markAllRead: (org: string, call?: CallOptions) => request('post', '/v1/orgs/{org}/notifications/read-all', { path: { org }, retry: 'safe', ...call }),
      /** E-mails sent (or kept, without SMTP) to the org. */
      emails: (org: string, query?: Query<'/v1/orgs/{org}/emails', 'get'>, call?: CallOptions) =>
        request('get', '/v1/orgs/{org}/emails', { path: { org }, query, ...call }),
    },
    webhookEndpoints: {
      list: (org: string, call?: CallOptions) => request('get', '/v1/orgs/{org}/webhook-endpoints', { path: { org }, ...call }),
      /** The answer's `secret` (whsec_…) is shown once: keep it to verify deliveries. */
      create: (org: string, body: Body<'/v1/orgs/{org}/webhook-endpoints', 'post'>, call?: CallOptions) =>
        request('post', '/v1/orgs/{org}/webhook-endpoints', { path: { org }, body, ...call }),
      remove: (org: string, id: string, call?: CallOptions) => request('delete', '/v1/orgs/{org}/webhook-endpoints/{id}', { path: { org, id }, ...call }),
      deliveries: (org: string, id: string, query?: Query<'/v1/orgs/{org}/webhook-endpoints/{id}/deliveries', 'get'>, call?: CallOptions) =>
        request('get', '/v1/orgs/{org}/webhook-endpoints/{id}/deliveries', { path: { org, id }, query, ...call }),
    },
    auditLog: {
      /** Who changed what in the org, newest first (admin). */
      list: (org: string, query?: Query<'/v1/orgs/{org}/audit-log', 'get'>, call?: CallOptions) =>
        request('get', '/v1/orgs/{org}/audit-log', { path: { org }, query, ...call }),
      /** The platform's own entries: API keys created and revoked (platform key). */
      platform: (query?: Query<'/v1/audit-log', 'get'>, call?: CallOptions) => request('get', '/v1/audit-log', { query, ...call }),
    },
    apiKeys: {
      list: (call?: CallOptions) => request('get', '/v1/api-keys', { ...call }),
      /** The answer's secret is shown once. */
      create: (body: Body<'/v1/api-keys', 'post'>, call?: CallOptions) => request('post', '/v1/api-keys', { body, ...call }),
      revoke: (id: string, call?: CallOptions) => request('delete', '/v1/api-keys/{id}', { path: { id }, ...call }),
    },
    /** Only on a server started with the test clock (LOUPE_TEST_CLOCK=1). */
    testClock: {
      get: (call?: CallOptions) => request('get', '/v1/test-clock', { ...call }),
      advance: (body: Body<'/v1/test-clock/advance', 'post'>, call?: CallOptions) => request('post', '/v1/test-clock/advance', { body, ...call }),
    },
    ...createCreditsHelpers(ai),
  };
  return client;
}

export type LoupeClient = ReturnType<typeof createClient>;
