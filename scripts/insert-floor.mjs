// Ad hoc (docs/performance.md, issue 14): how many usage rows and ledger entries a second PostgreSQL
// itself can take on this machine, with our schema and indexes, durable, with nothing else running:
// 1,000 usage rows + 1,000 entries per transaction over 500 orgs, as fast as one connection can.
import { mkdtemp, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { ensureDatabase, startEmbeddedPostgres, withDatabaseName } from '../dist/db/embedded.js';
import { connectDatabase } from '../dist/db/database.js';
import { migrateToLatest } from '../dist/db/migrate.js';

const dir = await mkdtemp(path.join(tmpdir(), 'floor-'));
await chmod(dir, 0o755);
const server = await startEmbeddedPostgres({ dataDir: dir, durable: true });
await ensureDatabase(server.url, 'x');
const url = withDatabaseName(server.url, 'x');
const db = connectDatabase({ url });
await migrateToLatest(db);
await db.destroy();
const client = new pg.Client({ connectionString: url });
await client.connect();
const ORGS = 500;
await client.query(`INSERT INTO orgs (org_id, name, billing_address, created_at)
  SELECT 'o' || i, 'o' || i, '{"country":"US"}', now() FROM generate_series(1, ${ORGS}) i`);
const SIZE = 1000;
let n = 0;
const seconds = Number(process.env.SECONDS ?? 6);
const until = performance.now() + seconds * 1000;
let rows = 0;
const connections = Number(process.env.CONNECTIONS ?? 1);
const clients = [client];
for (let i = 1; i < connections; i += 1) { const other = new pg.Client({ connectionString: url }); await other.connect(); clients.push(other); }
await Promise.all(clients.map(async (client) => {
while (performance.now() < until) {
  const orgs = [], ids = [], keys = [];
  for (let i = 0; i < SIZE; i += 1) { n += 1; orgs.push('o' + ((n % ORGS) + 1)); ids.push('usg_' + n); keys.push('k' + n); }
  await client.query('BEGIN');
  await client.query(`INSERT INTO usage_records (org_id, usage_id, idempotency_key, request_hash, hold_id, user_id, user_name, feature, action, tokens, credits, charged_credits, uncollected_credits, occurred_at, recorded_at, response)
    SELECT o, u, k, 'hash', NULL, 'user-1', NULL, 'assistant', 'chat', 1200, 2, 2, 0, now(), now(), '{"id":"x","credits":2}' FROM unnest($1::text[], $2::text[], $3::text[]) AS t (o, u, k)`, [orgs, ids, keys]);
  await client.query(`INSERT INTO ledger_entries (org_id, created_at, kind, reason, account, credits, usage_id)
    SELECT o, now(), 'usage', 'usage', 'plan', -2, u FROM unnest($1::text[], $2::text[]) AS t (o, u)`, [orgs, ids]);
  await client.query('COMMIT');
  rows += SIZE;
}
}));
console.log(`${Math.round(rows / seconds)} usage rows + as many entries a second (1,000 of each per transaction, ${connections} connection(s), durable)`);
for (const each of clients) await each.end();
await server.stop();
process.exit(0);
