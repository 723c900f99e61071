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
    },
  };
  return harness;
}
