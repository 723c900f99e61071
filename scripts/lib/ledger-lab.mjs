// Ad hoc scripts' shared set-up: an embedded PostgreSQL in a temporary directory, migrated, with the
// billing dependencies assembled as the server does and `orgs` Business orgs o0, o1, … created.
import { mkdtemp, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureDatabase, startEmbeddedPostgres, withDatabaseName } from '../../dist/db/embedded.js';
import { connectDatabase } from '../../dist/db/database.js';
import { migrateToLatest } from '../../dist/db/migrate.js';
import { assembleBillingDeps } from '../../dist/billing/assemble-deps.js';
import { createOrg } from '../../dist/billing/create-org.js';
import { loadConfig, loadPlanCatalog, PROJECT_ROOT } from '../../dist/config.js';
import { createBuiltinProvider } from '../../dist/providers/builtin.js';
import { systemClock } from '../../dist/clock.js';

export async function startLedgerLab({ durable, orgs }) {
  const dir = await mkdtemp(path.join(tmpdir(), 'ledger-lab-'));
  await chmod(dir, 0o755);
  const server = await startEmbeddedPostgres({ dataDir: dir, durable });
  await ensureDatabase(server.url, 'x');
  const db = connectDatabase({ url: withDatabaseName(server.url, 'x') });
  await migrateToLatest(db);
  const clock = systemClock;
  const catalog = loadPlanCatalog(path.join(PROJECT_ROOT, 'config', 'plans.json'));
  const deps = assembleBillingDeps({ db, clock, catalog, holdTtlSeconds: 600, provider: createBuiltinProvider({ db, clock }), seller: loadConfig({}).seller, mailer: null });
  for (let i = 0; i < orgs; i += 1) {
    await createOrg(deps, { id: `o${i}`, name: `o${i}`, plan: 'business', billingAddress: { country: 'US', region: 'CA' }, admin: { email: `a${i}@x.test`, name: 'A', password: 'password-123456' } });
  }
  return {
    db,
    deps,
    async close() {
      await db.destroy();
      await server.stop();
    },
  };
}
