// Ad hoc: where a lone authorize's cycle spends its time, statement by statement, on a durable database.
import { poolOf } from '../dist/db/database.js';
import { LOCK_AND_LOAD_SQL, WRITE_SQL, loadParameters, writeDocument, parseLoadedOrgs } from '../dist/db/ledger-cycle.js';
import { runCycle } from '../dist/ledger/kernel.js';
import { startLedgerLab } from './lib/ledger-lab.mjs';

// Orgs o0 and o1: o1 is the one measured.
const lab = await startLedgerLab({ durable: true, orgs: 2 });
const { db, deps } = lab;
const stats = new Map();
const add = (k, v) => { if (!stats.has(k)) stats.set(k, []); stats.get(k).push(v); };
for (let i = 0; i < 300; i += 1) {
  const t0 = performance.now();
  const hold = await deps.ledger.submit({ kind: 'authorize', orgId: 'o1', userId: 'u', feature: 'assistant', action: 'chat', credits: 1 });
  add('engine authorize', performance.now() - t0);
  await deps.ledger.submit({ kind: 'release', orgId: 'o1', holdId: hold.hold_id });
  if (process.env.GAP) await new Promise((r) => setTimeout(r, Number(process.env.GAP)));
}
const client = await poolOf(db).connect();
const requests = [{ kind: 'authorize', orgId: 'o1', userId: 'u', feature: 'assistant', action: 'chat', credits: 1 }];
const params = loadParameters(['o1'], requests);
const lit = LOCK_AND_LOAD_SQL.replace(/\$(\d+)::text\[\]/g, (_m, i) => `ARRAY[${params[Number(i) - 1].map((x) => client.escapeLiteral(x)).join(',')}]::text[]`);
for (let i = 0; i < 300; i += 1) {
  let t = performance.now();
  const lap = (k) => { const n = performance.now(); add(k, n - t); t = n; };
  await client.query('BEGIN; SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off; SET LOCAL enable_seqscan = off; SET LOCAL plan_cache_mode = force_generic_plan;');
  lap('begin+sets');
  const r = await client.query(lit);
  lap('lock+load');
  const result = runCycle(parseLoadedOrgs(r.rows.map((x) => x.book), new Date()), requests, deps.ledger.rules);
  const w = [new Date(), JSON.stringify(writeDocument(result.effects, new Date()))];
  lap('kernel');
  await client.query({ name: 'w', text: WRITE_SQL, values: w });
  lap('write');
  await client.query('COMMIT');
  lap('commit');
  await deps.ledger.submit({ kind: 'release', orgId: 'o1', holdId: result.answers[0].value.hold_id });
}
if (process.env.KBENCH) {
  await client.query('BEGIN');
  const r = await client.query({ text: LOCK_AND_LOAD_SQL, values: params });
  await client.query('ROLLBACK');
  const rows = r.rows.map((x) => x.book);
  for (const [label, fn] of [['parse', () => parseLoadedOrgs(rows, new Date())], ['parse+run', () => runCycle(parseLoadedOrgs(rows, new Date()), requests, deps.ledger.rules)], ['parse+run+doc', () => JSON.stringify(writeDocument(runCycle(parseLoadedOrgs(rows, new Date()), requests, deps.ledger.rules).effects, new Date()))]]) {
    for (let i = 0; i < 2000; i += 1) fn();
    const t = performance.now();
    for (let i = 0; i < 10000; i += 1) fn();
    console.log(label, ((performance.now() - t) / 10).toFixed(1), 'us');
  }
}
for (const [k, xs] of stats) { xs.sort((a, b) => a - b); console.log(k.padEnd(20), 'p50', xs[xs.length >> 1].toFixed(3), 'p90', xs[Math.floor(xs.length * 0.9)].toFixed(3)); }
client.release();
await lab.close();
process.exit(0);
