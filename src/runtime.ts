import { systemClock, TestClock, type Clock } from './clock.js';
import { loadPlanCatalog, type Config } from './config.js';
import { connectDatabase, type Db } from './db/database.js';
import { ensureDatabase, startEmbeddedPostgres, withDatabaseName } from './db/embedded.js';
import { migrateToLatest } from './db/migrate.js';
import { readTestClock, writeTestClock } from './db/test-clock.js';
import type { BillingDeps } from './billing/deps.js';
import { selectPaymentProvider } from './providers/select-provider.js';
import { createMailer } from './providers/mailer.js';
import { systemResolver } from './providers/webhook-target.js';
import { assembleBillingDeps } from './billing/assemble-deps.js';

export const EMBEDDED_DATABASE_NAME = 'loupe';

export interface Runtime {
  readonly deps: BillingDeps;
  readonly db: Db;
  readonly databaseLabel: string;
  /** The embedded PostgreSQL (a local, throwaway database), not one at DATABASE_URL. */
  readonly embedded: boolean;
  close(): Promise<void>;
}

/**
 * Everything a command needs: the database (DATABASE_URL, or the embedded PostgreSQL with its data
 * in LOUPE_DATA_DIR), migrated to the latest version, the clock and the plan catalog.
 */
export async function openRuntime(config: Config, options: { log?: (message: unknown) => void } = {}): Promise<Runtime> {
  const catalog = loadPlanCatalog(config.plansFile);
  let url = config.databaseUrl;
  let stopEmbedded = async () => undefined as void;
  let databaseLabel = 'PostgreSQL at DATABASE_URL';
  if (url === undefined) {
    const embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, durable: true, ...(options.log ? { onLog: options.log } : {}) });
    await ensureDatabase(embedded.url, EMBEDDED_DATABASE_NAME);
    url = withDatabaseName(embedded.url, EMBEDDED_DATABASE_NAME);
    stopEmbedded = embedded.stop;
    databaseLabel = `embedded PostgreSQL, data in ${config.dataDir}`;
  }
  const db = connectDatabase({ url });
  await migrateToLatest(db);
  const clock = await openClock(db, config.testClock);
  const mailer = config.smtpUrl ? createMailer({ smtpUrl: config.smtpUrl, from: config.mailFrom }) : null;
  return {
    deps: assembleBillingDeps({
      db,
      clock,
      catalog,
      holdTtlSeconds: config.holdTtlSeconds,
      provider: selectPaymentProvider({ stripe: config.stripe, db, clock }),
      seller: config.seller,
      mailer,
      webhookTargets: { allowPrivate: config.webhooksAllowPrivate, resolve: systemResolver },
      publicUrl: config.publicUrl,
      engineLimits: { groupCommit: config.groupCommit, cyclesInFlight: config.cyclesInFlight, maxCycleRequests: config.cycleRequests },
      ...(config.engineProfile ? { profile: (line: string) => process.stderr.write(`${line}\n`) } : {}),
    }),
    db,
    databaseLabel,
    embedded: config.databaseUrl === undefined,
    async close() {
      mailer?.close();
      await db.destroy();
      await stopEmbedded();
    },
  };
}

/** The system clock, or the test clock where it was left (it never goes back across restarts). */
async function openClock(db: Db, testClock: boolean): Promise<Clock> {
  if (!testClock) return systemClock;
  const stored = await readTestClock(db);
  const now = new Date();
  const clock = new TestClock(stored && stored.getTime() > now.getTime() ? stored : now);
  await writeTestClock(db, clock.now());
  return clock;
}
