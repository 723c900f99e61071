import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import cookie from '@fastify/cookie';
import helmet, { type HelmetOptions } from 'helmet';
import rateLimit from '@fastify/rate-limit';
import { Failure } from '../domain/failures.js';
import fastifyStatic from '@fastify/static';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../config.js';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { BillingDeps } from '../billing/deps.js';
import { TestClock } from '../clock.js';
import { writeTestClock } from '../db/test-clock.js';
import { auth } from './auth.js';
import { handleError, problemFor, sendProblem } from './problem.js';
import { ProblemSchema } from './schemas.js';
import { swaggerOptions } from './openapi.js';
import { validatorCompiler } from './validation.js';
import { authRoutes } from './routes/auth.js';
import { meteringRoutes } from './routes/metering.js';
import { usageBatchRoutes } from './routes/usage-batch.js';
import { operationsRoutes } from './routes/operations.js';
import { orgRoutes } from './routes/orgs.js';
import { settingsRoutes } from './routes/settings.js';
import { testClockRoutes } from './routes/test-clock.js';
import { usageRoutes } from './routes/usage.js';
import { userLimitRoutes } from './routes/user-limits.js';
import { auditLogRoutes } from './routes/audit-log.js';
import { billingRoutes } from './routes/billing.js';
import { disputeRoutes } from './routes/disputes.js';
import { subscriptionRoutes } from './routes/subscription.js';
import { webhookRoutes } from './routes/webhooks.js';
import { analyticsRoutes } from './routes/analytics.js';
import { notificationRoutes } from './routes/notifications.js';
import { apiKeyRoutes } from './routes/api-keys.js';
import { invitationRoutes } from './routes/invitations.js';
import { currentAuditRequest, runWithAuditContext } from '../audit/actor.js';

/** Reads change nothing: they need no audit context. */
const SAFE_METHODS_FOR_AUDIT = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The built web app (npm run build puts it in dist/web). */
const WEB_ROOT = path.join(PROJECT_ROOT, 'dist', 'web');

/** The document's license is the package's. */
const PACKAGE_LICENSE = (JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { license: string }).license;

/** Largest request body: every API body is a few hundred bytes; 64 KiB leaves room and no more. */
export const BODY_LIMIT_BYTES = 64 * 1024;

export interface AppOptions {
  readonly deps: BillingDeps;
  readonly logLevel: string;
  readonly secureCookies: boolean;
  /** Runs every job that is due; the test clock calls it after moving time. */
  readonly runDueJobs: () => Promise<void>;
  /** Stripe's webhook secret; null answers the webhook path with 404. */
  readonly stripeWebhook: { webhookSecret: string } | null;
  readonly stripePublishableKey?: string | undefined;
  /** Requests a minute per signed-in user, or per address for everyone else (LOUPE_RATE_LIMIT_PER_MINUTE). */
  readonly rateLimitPerMinute: number;
  /** Requests a minute per platform key (LOUPE_PLATFORM_RATE_LIMIT_PER_MINUTE): the host app asks before every AI call. */
  readonly platformRateLimitPerMinute: number;
  /** Where logs go (default stdout); the log-scanning test collects them. */
  readonly logStream?: { write(line: string): void };
}

/**
 * Whom a request is counted against: the verified caller (the platform key, the signed-in user),
 * never a header the caller makes up, so random cookies or keys all land on their address.
 */
function rateLimitKey(request: FastifyRequest): string {
  const principal = request.principal;
  if (principal?.kind === 'platform') return `platform:${principal.keyHash}`;
  if (principal?.kind === 'user') return `user:${principal.userId}`;
  return `ip:${request.ip}`;
}

/**
 * What the probes (/healthz, /readyz, /metrics) answer with: never a document a browser renders, so no
 * script, frame or connection policy applies, only "load nothing, frame nowhere, do not sniff". Eleven
 * headers less per answer: /healthz is polled by every load balancer, and its cost is a bare route's
 * (docs/performance.md).
 */
const PROBE_HEADERS = {
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
};

/** The headers helmet sets with these options, captured once from a stand-in response. */
function helmetHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: unknown) => void (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  };
  helmet(options)({} as never, response as never, () => undefined);
  return headers;
}

/** A route path (`/v1/orgs/:org/usage.csv`, `/docs/*`) as a regular expression over request paths. */
function routePattern(url: string): RegExp {
  const source = url
    .split('/')
    .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment === '*' ? '.*' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${source}$`);
}

/** Builds the HTTP app without listening: tests use inject() or listen on port 0. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { deps } = options;
  const app = Fastify({
    logger: {
      level: options.logLevel,
      ...(options.logStream ? { stream: options.logStream } : {}),
      redact: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-csrf-token"]', 'res.headers["set-cookie"]'],
    },
    bodyLimit: BODY_LIMIT_BYTES,
    // Router errors (a malformed URL, an over-long path parameter) are problems like any other.
    frameworkErrors: (error, _request, reply) =>
      sendProblem(reply, problemFor(error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'URI_TOO_LONG' : 'BAD_REQUEST', error.message)),
    ajv: { customOptions: { allErrors: true } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  // Bodies are JSON only: a text/plain body is refused with 415, not parsed into a string.
  app.removeContentTypeParser('text/plain');
  // Many HTTP clients send a content type on a POST without a body: an empty body is no body,
  // whatever its type says. A route that needs a body checks an absent one as {}, so that its
  // answer names each missing field rather than "body".
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body: string, done) => (body === '' ? done(null, undefined) : parseJson(request, body, done)));
  app.addContentTypeParser('*', (request, _payload, done) =>
    request.headers['transfer-encoding'] === undefined && [undefined, '0'].includes(request.headers['content-length'])
      ? done(null, undefined)
      : done(new Failure('UNSUPPORTED_MEDIA_TYPE', `Request bodies are application/json, not ${request.headers['content-type'] ?? 'untyped'}.`)),
  );
  // Hooks that do no I/O take a callback rather than being async: every request pays for them, and
  // an async hook costs a promise and a turn of the microtask queue (/healthz must cost what a bare route does).
  app.addHook('preValidation', (request, _reply, done) => {
    if (request.body === undefined && request.routeOptions.schema?.body !== undefined) request.body = {};
    done();
  });
  app.setErrorHandler(handleError);
  // Every route's path as a pattern, so that a known path asked with another method answers 405.
  const routeMethods = new Map<string, { pattern: RegExp; methods: Set<string> }>();
  app.addHook('onRoute', (route) => {
    const known = routeMethods.get(route.url) ?? { pattern: routePattern(route.url), methods: new Set<string>() };
    for (const method of [route.method].flat()) known.methods.add(method);
    routeMethods.set(route.url, known);
  });
  const methodsOf = (pathname: string): string[] => {
    const methods = new Set<string>();
    for (const { pattern, methods: answered } of routeMethods.values()) if (pattern.test(pathname)) for (const method of answered) methods.add(method);
    return [...methods].sort();
  };
  const webApp = existsSync(path.join(WEB_ROOT, 'index.html'));
  app.setNotFoundHandler((request, reply) => {
    const pathname = request.url.split('?')[0] ?? '';
    // The web app's own routes (/billing, /admin/ai-credits …) are served its index.html.
    if (webApp && request.method === 'GET' && !pathname.startsWith('/v1/') && (request.headers.accept ?? '').includes('text/html')) {
      return reply.type('text/html').sendFile('index.html');
    }
    const allowed = methodsOf(pathname);
    if (allowed.length > 0) {
      reply.header('allow', allowed.join(', '));
      return sendProblem(reply, problemFor('METHOD_NOT_ALLOWED', `${pathname} answers ${allowed.join(', ')}, not ${request.method}.`));
    }
    return sendProblem(reply, problemFor('NOT_FOUND', `There is no ${request.method} ${pathname}.`));
  });
  app.addSchema(ProblemSchema);

  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics });
  const latency = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by route and status',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [metrics],
  });
  // The ledger engine's cycles: how many, and how many requests and orgs each took (they span orgs).
  const engineGauge = (name: string, help: string, read: (stats: ReturnType<BillingDeps['ledger']['stats']>) => number) =>
    new Gauge({ name, help, registers: [metrics], collect() { this.set(read(deps.ledger.stats())); } });
  engineGauge('ledger_cycles_total', 'Ledger cycles committed', (stats) => stats.cycles);
  engineGauge('ledger_cycle_requests_total', 'Requests applied by committed ledger cycles', (stats) => stats.requests);
  engineGauge('ledger_cycle_orgs_total', 'Orgs locked by committed ledger cycles, summed over cycles', (stats) => stats.orgs);
  engineGauge('ledger_cycle_largest_requests', 'The most requests one ledger cycle applied', (stats) => stats.largestCycleRequests);
  engineGauge('ledger_cycle_largest_orgs', 'The most orgs one ledger cycle locked', (stats) => stats.largestCycleOrgs);
  engineGauge('ledger_cycles_split_total', 'Ledger cycles whose transaction failed as a whole and were retried in halves', (stats) => stats.splitCycles);
  engineGauge('ledger_requests_waiting', 'Requests waiting for a ledger cycle', (stats) => stats.waiting);
  app.addHook('onResponse', (request, reply, done) => {
    latency.observe({ method: request.method, route: request.routeOptions.url ?? 'unknown', status_code: reply.statusCode }, reply.elapsedTime / 1_000);
    done();
  });

  // The API reference and the web app's files are public; every API route names its access itself.
  app.addHook('onRoute', (route) => {
    const apiRoute = route.url.startsWith('/v1/') || route.url === '/openapi.json';
    if (!apiRoute && route.config?.access === undefined) route.config = { ...route.config, access: 'public' };
  });
  // helmet's headers are the same on every answer: computed once, not parsed again per request.
  const securityHeaders = helmetHeaders({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", 'https://js.stripe.com'],
        frameSrc: ['https://js.stripe.com', 'https://hooks.stripe.com'],
        connectSrc: ["'self'", 'https://api.stripe.com'],
        imgSrc: ["'self'", 'data:'],
        styleSrc: ["'self'", "'unsafe-inline'"],
        upgradeInsecureRequests: null,
      },
    },
    // Only behind HTTPS does a browser honour HSTS; LOUPE_SECURE_COOKIES says the service is there.
    strictTransportSecurity: options.secureCookies ? { maxAge: 31_536_000 } : false,
  });
  app.addHook('onRequest', (request, reply, done) => {
    if (request.routeOptions.config.probe) reply.headers(PROBE_HEADERS);
    // The API reference page sets its own Content-Security-Policy (with hashes of its inline scripts).
    else if (!request.url.startsWith('/docs')) reply.headers(securityHeaders);
    done();
  });
  // Route-level hooks, so they run after the auth plugin's onRequest hook has verified the caller.
  await app.register(rateLimit, {
    max: (_request, key) => (key.startsWith('platform:') ? options.platformRateLimitPerMinute : options.rateLimitPerMinute),
    timeWindow: 60_000,
    keyGenerator: rateLimitKey,
    errorResponseBuilder: (_request, context) =>
      new Failure('RATE_LIMITED', `More than ${context.max} requests a minute from this caller; retry in ${Math.ceil(context.ttl / 1_000)} s.`, undefined, Math.ceil(context.ttl / 1_000)),
  });
  if (webApp) await app.register(fastifyStatic, { root: WEB_ROOT, prefix: '/', wildcard: false, index: 'index.html' });
  await app.register(cookie);
  // Every change outside the metering hot path runs with an audit context (src/audit/actor.ts): who
  // is calling, from where; recordAudit reads it in the use case's transaction.
  app.addHook('onRequest', (request, _reply, done) => {
    const config = request.routeOptions.config;
    if ((SAFE_METHODS_FOR_AUDIT.has(request.method) && !config.auditedRead) || config.metering) return done();
    const userAgent = request.headers['user-agent'];
    runWithAuditContext({ actor: { kind: 'system' }, ip: request.ip, userAgent: typeof userAgent === 'string' ? userAgent : null }, done);
  });
  await app.register(auth, { db: deps.db, clock: deps.clock });
  app.addHook('preHandler', (request, _reply, done) => {
    const context = currentAuditRequest();
    const principal = request.principal;
    if (context && principal) context.actor = principal.kind === 'user' ? { kind: 'user', userId: principal.userId } : { kind: 'api_key', keyHash: principal.keyHash };
    done();
  });

  await app.register(swagger, swaggerOptions(PACKAGE_LICENSE));
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
  app.get('/openapi.json', { schema: { hide: true }, config: { access: 'public' } }, async () => app.swagger());

  await app.register(operationsRoutes({ db: deps.db, metrics, paymentsProvider: deps.provider.name, stripePublishableKey: options.stripePublishableKey }));
  await app.register(authRoutes({ db: deps.db, clock: deps.clock, secureCookies: options.secureCookies }));
  await app.register(orgRoutes(deps));
  await app.register(meteringRoutes(deps, deps.catalog.modules));
  await app.register(usageBatchRoutes(deps, deps.catalog.modules));
  await app.register(usageRoutes(deps));
  await app.register(settingsRoutes(deps));
  await app.register(userLimitRoutes(deps));
  await app.register(auditLogRoutes(deps));
  await app.register(billingRoutes(deps));
  await app.register(disputeRoutes(deps));
  await app.register(subscriptionRoutes(deps));
  await app.register(webhookRoutes(deps, options.stripeWebhook));
  await app.register(analyticsRoutes(deps));
  await app.register(notificationRoutes(deps));
  await app.register(apiKeyRoutes({ db: deps.db, clock: deps.clock }));
  await app.register(invitationRoutes(deps, { secureCookies: options.secureCookies }));
  const clock = deps.clock;
  if (clock instanceof TestClock) {
    await app.register(testClockRoutes({ clock, persist: (now) => writeTestClock(deps.db, now), runDueJobs: options.runDueJobs }));
  }
  return app;
}
