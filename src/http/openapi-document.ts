import path from 'node:path';
import { TestClock } from '../clock.js';
import { loadConfig, loadPlanCatalog, PROJECT_ROOT } from '../config.js';
import { connectDatabase } from '../db/database.js';
import { createBuiltinProvider } from '../providers/builtin.js';
import { assembleBillingDeps } from '../billing/assemble-deps.js';
import { buildApp } from './app.js';

/**
 * The OpenAPI document of every route, the test clock's included, built from the route schemas
 * without a database: the pool below is never connected because no request is served. The SDK's
 * types are generated from this document (`loupe-billing openapi`).
 */
export async function openApiDocument(): Promise<Record<string, unknown>> {
  const db = connectDatabase({ url: 'postgres://unused@127.0.0.1:1/unused', poolSize: 1 });
  const clock = new TestClock(new Date(0));
  const app = await buildApp({
    deps: assembleBillingDeps({
      db,
      clock,
      catalog: loadPlanCatalog(path.join(PROJECT_ROOT, 'config', 'plans.json')),
      holdTtlSeconds: 600,
      provider: createBuiltinProvider({ db, clock }),
      seller: loadConfig({}).seller,
      mailer: null,
    }),
    logLevel: 'silent',
    secureCookies: false,
    runDueJobs: async () => undefined,
    stripeWebhook: { webhookSecret: 'whsec_unused' },
    rateLimitPerMinute: 1,
    platformRateLimitPerMinute: 1,
  });
  try {
    await app.ready();
    return app.swagger() as unknown as Record<string, unknown>;
  } finally {
    await app.close();
    await db.destroy();
  }
}
