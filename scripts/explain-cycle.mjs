// Ad hoc: the plans of the ledger cycle's statements on a hot org with many usage rows and holds.
import { mkdtemp } from 'node:fs/promises';
import { chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
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
import { runCycle } from '../dist/ledger/kernel.js';

const dir = await mkdtemp(path.join(tmpdir(), 'explain-'));
await chmod(dir, 0o755);
const server = await startEmbeddedPostgres({ dataDir: dir, durable: false });
await ensureDatabase(server.url, 'x');
const db = connectDatabase({ url: withDatabaseName(server.url, 'x') });
await migrateToLatest(db);
const clock = systemClock;
const catalog = loadPlanCatalog(path.join(PROJECT_ROOT, 'config', 'plans.json'));
const deps = assembleBillingDeps({ db, clock, catalog, holdTtlSeconds: 600, provider: createBuiltinProvider({ db, clock }), seller: loadConfig({}).seller, mailer: null });
for (let i = 0; i < 3; i += 1) await createOrg(deps, { id: `o${i}`, name: `o${i}`, plan: 'business', billingAddress: { country: 'US', region: 'CA' }, admin: { email: `a${i}@x.test`, name: 'A', password: 'password-123456' } });
const N = Number(process.env.N ?? 20000);
let k = 0;
for (let round = 0; round < N / 500; round += 1) {
  await Promise.all(Array.from({ length: 500 }, () => { k += 1; const key = `k${k}`; return deps.ledger.submit({ kind: 'authorize', orgId: 'o1', userId: 'u', feature: 'assistant', action: 'chat', credits: 1 }).then((h) => deps.ledger.submit({ kind: 'record', orgId: 'o1', idempotencyKey: key, requestHash: 'h', holdId: h.hold_id, userId: 'u', feature: 'assistant', action: 'chat', tokens: 10, credits: 1 })); }));
}
console.log('rows done', k);
if (process.env.ANALYZE) await db.executeQuery({ sql: 'ANALYZE', parameters: [], query: { kind: 'RawNode' } });
const pool = poolOf(db);
const client = await pool.connect();
await client.query('SET plan_cache_mode = ' + (process.env.PLAN ?? 'auto'));
await client.query("LOAD 'auto_explain'");
await client.query("SET auto_explain.log_min_duration = 0; SET auto_explain.log_analyze = on; SET auto_explain.log_level = notice; SET auto_explain.log_nested_statements = on");
client.on('notice', (msg) => { if (String(msg.message).length > 300) console.log(msg.message); });
const requests = Array.from({ length: 30 }, (_, i) => ({ kind: 'record', orgId: 'o1', idempotencyKey: `new${i}`, requestHash: 'h', userId: 'u', feature: 'assistant', action: 'chat', tokens: 10, credits: 1 }));
const orgIds = [...new Set(requests.map((r) => r.orgId))].sort();
await client.query('BEGIN');
if (!process.env.NORLS) await client.query("SELECT set_config('role','loupe_app',true), set_config('loupe.org_id',$1,true)", [orgIds.join(',')]);
const params = loadParameters(orgIds, requests);
const fmt = (v) => v === null ? 'NULL' : Array.isArray(v) ? client.escapeLiteral(pg.prepareValue(v)) : v instanceof Date ? client.escapeLiteral(v.toISOString()) : typeof v === 'number' ? String(v) : client.escapeLiteral(String(v));
for (let i = 0; i < 6; i += 1) await client.query({ name: 'ld', text: LOCK_AND_LOAD_SQL, values: params });
const loaded = (await client.query({ text: LOCK_AND_LOAD_SQL, values: params })).rows.map((row) => row.book);
const result = runCycle(parseLoadedOrgs(loaded, new Date()), requests, deps.ledger.rules);
const wparams = [new Date(), JSON.stringify(writeDocument(result.effects, new Date()))];
await client.query('SAVEPOINT s');
for (let i = 0; i < 6; i += 1) { await client.query('SAVEPOINT w'); await client.query({ name: 'wr', text: WRITE_SQL, values: wparams }); await client.query('ROLLBACK TO SAVEPOINT w'); }
await client.query('ROLLBACK');
client.release();
await db.destroy();
await server.stop();
process.exit(0);
