// Ad hoc: the plans of the ledger cycle's statements on a hot org with many usage rows and holds.
import pg from 'pg';
import { poolOf } from '../dist/db/database.js';
import { LOCK_AND_LOAD_SQL, WRITE_SQL, loadParameters, writeDocument, parseLoadedOrgs } from '../dist/db/ledger-cycle.js';
import { runCycle } from '../dist/ledger/kernel.js';
import { startLedgerLab } from './lib/ledger-lab.mjs';

const ORG_COUNT = Number(process.env.ORGS ?? 3);
const lab = await startLedgerLab({ durable: false, orgs: ORG_COUNT });
const { db, deps } = lab;
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
await client.query(`SET auto_explain.log_min_duration = 0; SET auto_explain.log_analyze = ${process.env.NOANALYZE ? "off" : "on"}; SET auto_explain.log_level = notice; SET auto_explain.log_nested_statements = on`);
client.on("notice", (msg) => { const text = String(msg.message); if (!text.includes("FROM ONLY")) console.log(text.split("\n").slice(0, 2).join(" | ").slice(0, 160)); });
const SIZE = Number(process.env.SIZE ?? 30);
const requests = Array.from({ length: SIZE }, (_, i) => ({ kind: 'record', orgId: process.env.ORGS ? `o${i % ORG_COUNT}` : 'o1', idempotencyKey: `new${i}`, requestHash: 'h', userId: 'u', feature: 'assistant', action: 'chat', tokens: 10, credits: 1 }));
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
await lab.close();
process.exit(0);
