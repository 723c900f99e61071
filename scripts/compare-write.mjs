// Ad hoc: the old write (CTEs over unnest, 73 parameters, prepared) against ledger_write(json), same cycle, same database.
import { mkdtemp, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres, withDatabaseName } from '../dist/db/embedded.js';
import { ensureDatabase } from '../dist/runtime.js';
import { connectDatabase, poolOf } from '../dist/db/database.js';
import { migrateToLatest } from '../dist/db/migrate.js';
import { assembleBillingDeps } from '../dist/billing/assemble-deps.js';
import { createOrg } from '../dist/billing/create-org.js';
import { loadConfig, loadPlanCatalog, PROJECT_ROOT } from '../dist/config.js';
import { createBuiltinProvider } from '../dist/providers/builtin.js';
import { systemClock } from '../dist/clock.js';
import { LOCK_AND_LOAD_SQL, WRITE_SQL, loadParameters, writeDocument, parseLoadedOrgs } from '../dist/db/ledger-cycle.js';
import * as old from '/tmp/old/dist/db/ledger-cycle.js';
import { runCycle } from '../dist/ledger/kernel.js';

const dir = await mkdtemp(path.join(tmpdir(), 'cmp-'));
await chmod(dir, 0o755);
const server = await startEmbeddedPostgres({ dataDir: dir, durable: true });
await ensureDatabase(server.url, 'x');
const db = connectDatabase({ url: withDatabaseName(server.url, 'x') });
await migrateToLatest(db);
const clock = systemClock;
const catalog = loadPlanCatalog(path.join(PROJECT_ROOT, 'config', 'plans.json'));
const deps = assembleBillingDeps({ db, clock, catalog, holdTtlSeconds: 600, provider: createBuiltinProvider({ db, clock }), seller: loadConfig({}).seller, mailer: null });
await createOrg(deps, { id: 'o1', name: 'o1', plan: 'business', billingAddress: { country: 'US', region: 'CA' }, admin: { email: 'a@x.test', name: 'A', password: 'password-123456' } });
const client = await poolOf(db).connect();
const SIZE = Number(process.env.SIZE ?? 30);
let k = 0;
const times = { old: [], json: [], jsonCommit: [], oldCommit: [] };
for (let i = 0; i < 200; i += 1) {
  const requests = Array.from({ length: SIZE }, () => ({ kind: 'record', orgId: 'o1', idempotencyKey: `k${k++}`, requestHash: 'h', userId: 'u', feature: 'assistant', action: 'chat', tokens: 10, credits: 1 }));
  await client.query('BEGIN; SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off; SET LOCAL enable_seqscan = off;');
  const r = await client.query({ text: LOCK_AND_LOAD_SQL, values: loadParameters(['o1'], requests) });
  await client.query('SET LOCAL plan_cache_mode = force_generic_plan');
  const now = new Date();
  const result = runCycle(parseLoadedOrgs(r.rows.map((x) => x.book), now), requests, deps.ledger.rules);
  const useOld = i % 2 === 0;
  let t = performance.now();
  if (useOld) await client.query({ name: 'old', text: old.WRITE_SQL, values: old.writeParameters(result.effects, now) });
  else await client.query(`SELECT ledger_write(${client.escapeLiteral(now.toISOString())}, ${client.escapeLiteral(JSON.stringify(writeDocument(result.effects, now)))})`);
  const t2 = performance.now();
  await client.query('COMMIT');
  const t3 = performance.now();
  if (i >= 20) { times[useOld ? 'old' : 'json'].push(t2 - t); times[useOld ? 'oldCommit' : 'jsonCommit'].push(t3 - t2); }
}
for (const [name, xs] of Object.entries(times)) { xs.sort((a, b) => a - b); console.log(name.padEnd(12), 'p50', xs[xs.length >> 1].toFixed(3), 'p90', xs[Math.floor(xs.length * 0.9)].toFixed(3)); }
client.release();
await db.destroy();
await server.stop();
process.exit(0);
