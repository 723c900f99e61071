import { useTestSuitePasswordHashing } from '../../src/identity/passwords.js';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject, expect } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { TestClock } from '../../src/clock.js';
import { loadConfig, loadPlanCatalog, PROJECT_ROOT } from '../../src/config.js';
import { createBuiltinProvider } from '../../src/providers/builtin.js';
import { createMailer } from '../../src/providers/mailer.js';
import type { PaymentProvider } from '../../src/providers/payments.js';
import { assembleBillingDeps } from '../../src/billing/assemble-deps.js';
import type { EngineLimits } from '../../src/ledger/engine.js';
import { connectDatabase, type Db } from '../../src/db/database.js';
import { withDatabaseName } from '../../src/db/embedded.js';
import { writeTestClock } from '../../src/db/test-clock.js';
import type { BillingDeps } from '../../src/billing/deps.js';
import { auditLedger } from '../../src/billing/audit.js';
import { buildApp } from '../../src/http/app.js';
import { ensurePlatformKey } from '../../src/identity/api-keys.js';
import { runDueJobs as runAllDueJobs } from '../../src/jobs/run-due-jobs.js';
import { systemResolver, type WebhookTargetPolicy } from '../../src/providers/webhook-target.js';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkerFor, type Answer, type OpenApiDocument } from './contract.js';

export const PLATFORM_KEY = 'lb_sk_test_platform_key_0123456789';
export const DEFAULT_START = new Date('2026-01-31T10:00:00.000Z');
/** The tests' webhook receivers listen on 127.0.0.1: the operator's opt-in (LOUPE_WEBHOOKS_ALLOW_PRIVATE=1). */
const LOOPBACK_RECEIVERS_ALLOWED: WebhookTargetPolicy = { allowPrivate: true, resolve: systemResolver };

export interface Harness {
  readonly app: FastifyInstance;
  readonly db: Db;
  /** The connection string of this harness's own database. */
  readonly databaseUrl: string;
  readonly deps: BillingDeps;
  readonly clock: TestClock;
  /** A request with the platform key (or the headers given). */
  api(method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  /** A new org on `plan` with an admin whose password is "admin-password". */
  createOrg(options?: { id?: string; plan?: string }): Promise<string>;
  /** Fails the test when any ledger invariant is broken. */
  expectCleanAudit(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A fresh database (copied from the migrated template), the real app with a test clock, and the
 * platform key. Each test file gets its own, so files run in parallel without sharing state.
 */
export async function startHarness(
  options: { start?: Date; testClock?: boolean; stripeWebhookSecret?: string; smtpUrl?: string; groupCommit?: boolean; engineLimits?: Partial<EngineLimits>; rateLimitPerMinute?: number; platformRateLimitPerMinute?: number; logStream?: { write(line: string): void }; wrapProvider?: (provider: PaymentProvider) => PaymentProvider; webhookTargets?: WebhookTargetPolicy } = {},
): Promise<Harness> {
  await useTestSuitePasswordHashing();
  const serverUrl = inject('serverUrl');
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name} TEMPLATE loupe_template`);
  await admin.end();
  const databaseUrl = withDatabaseName(serverUrl, name);
  const db = connectDatabase({ url: databaseUrl, poolSize: 30 });
  const clock = new TestClock(options.start ?? DEFAULT_START);
  await writeTestClock(db, clock.now());
  const catalog = loadPlanCatalog(path.join(PROJECT_ROOT, 'config', 'plans.json'));
  const deps: BillingDeps = assembleBillingDeps({
    db,
    clock,
    catalog,
    holdTtlSeconds: 600,
    provider: (options.wrapProvider ?? ((provider: PaymentProvider) => provider))(createBuiltinProvider({ db, clock })),
    seller: loadConfig({}).seller,
    mailer: options.smtpUrl ? createMailer({ smtpUrl: options.smtpUrl, from: 'Loupe Billing <billing@loupe.test>' }) : null,
    webhookTargets: options.webhookTargets ?? LOOPBACK_RECEIVERS_ALLOWED,
    engineLimits: { groupCommit: options.groupCommit ?? true, ...options.engineLimits },
  });
  const runDueJobs = () => runAllDueJobs(deps);
  const app = await buildApp({
    deps: options.testClock === false ? { ...deps, clock: { now: () => clock.now() } } : deps,
    logLevel: options.logStream ? 'trace' : 'silent',
    secureCookies: false,
    runDueJobs,
    stripeWebhook: options.stripeWebhookSecret ? { webhookSecret: options.stripeWebhookSecret } : null,
    rateLimitPerMinute: options.rateLimitPerMinute ?? 600_000,
    platformRateLimitPerMinute: options.platformRateLimitPerMinute ?? options.rateLimitPerMinute ?? 600_000,
    ...(options.logStream ? { logStream: options.logStream } : {}),
  });
  const contractViolations = checkAnswersAgainstDocument(app);
  await ensurePlatformKey(db, { configured: PLATFORM_KEY, dataDir: '/nonexistent', now: clock.now() });
  let orgCount = 0;
  const harness: Harness = {
    app,
    db,
    databaseUrl,
    deps,
    clock,
    api: (method, url, body, headers) =>
      app.inject({
        method: method as 'GET',
        url,
        headers: headers ?? { authorization: `Bearer ${PLATFORM_KEY}` },
        ...(body === undefined ? {} : { payload: body as object }),
      }),
    async createOrg(createOptions = {}) {
      orgCount += 1;
      const id = createOptions.id ?? `org-${orgCount}-${randomBytes(3).toString('hex')}`;
      const response = await harness.api('POST', '/v1/orgs', {
        id,
        name: `Org ${id}`,
        plan: createOptions.plan ?? 'starter',
        billing_address: { country: 'US', region: 'CA' },
        admin: { email: `admin@${id}.test`, name: 'Admin', password: 'admin-password' },
      });
      expect(response.statusCode, response.body).toBe(201);
      return id;
    },
    async expectCleanAudit() {
      expect(await auditLedger(db, null, clock.now())).toEqual([]);
    },
    async close() {
      await app.close();
      await db.destroy();
      if (contractViolations.length > 0) throw new Error(`Answers over HTTP that the OpenAPI document does not describe:\n${contractViolations.join('\n')}`);
    },
  };
  return harness;
}

/**
 * The contract test (test/support/contract.ts) on every answer this app gives: an injected request
 * whose answer the app's own OpenAPI document does not describe throws in the test that made it;
 * answers over a listening socket (fetch, the SDK, the browser) are collected and fail close().
 */
function checkAnswersAgainstDocument(app: FastifyInstance): string[] {
  const violations: string[] = [];
  const violationsOf = (answer: Answer) => checkerFor(app.swagger() as unknown as OpenApiDocument).violationsOf(answer);
  const inject = app.inject.bind(app) as (options: unknown) => Promise<LightMyRequestResponse>;
  const checkedInject = async (options: unknown) => {
    const response = await inject(options);
    const request = response.raw.req;
    const found = violationsOf({ method: request.method ?? 'GET', url: request.url ?? '/', status: response.statusCode, contentType: response.headers['content-type'] as string | undefined, body: response.body });
    if (found.length > 0) throw new Error(`The OpenAPI document does not describe this answer:\n${found.join('\n')}`);
    return response;
  };
  app.inject = checkedInject as typeof app.inject;
  app.server.prependListener('request', (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    const collect = (chunk: unknown) => {
      if (typeof chunk === 'string' || chunk instanceof Uint8Array) chunks.push(Buffer.from(chunk));
    };
    const write = response.write.bind(response) as (...args: unknown[]) => boolean;
    const end = response.end.bind(response) as (...args: unknown[]) => ServerResponse;
    // Fastify hands its headers to writeHead, where getHeader() no longer sees them.
    let contentType: unknown;
    const writeHead = response.writeHead.bind(response) as (...args: unknown[]) => ServerResponse;
    response.writeHead = ((status: number, ...rest: unknown[]) => {
      const headers = rest.find((argument) => typeof argument === 'object' && argument !== null && !Array.isArray(argument)) as Record<string, unknown> | undefined;
      contentType = Object.entries(headers ?? {}).find(([name]) => name.toLowerCase() === 'content-type')?.[1];
      return writeHead(status, ...rest);
    }) as typeof response.writeHead;
    response.write = ((chunk: unknown, ...rest: unknown[]) => (collect(chunk), write(chunk, ...rest))) as typeof response.write;
    response.end = ((chunk?: unknown, ...rest: unknown[]) => {
      collect(chunk);
      contentType ??= response.getHeader('content-type');
      violations.push(...violationsOf({ method: request.method ?? 'GET', url: request.url ?? '/', status: response.statusCode, contentType: contentType === undefined ? undefined : String(contentType), body: Buffer.concat(chunks).toString('utf8') }));
      return end(chunk, ...rest);
    }) as typeof response.end;
  });
  return violations;
}
