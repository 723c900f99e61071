// Ad hoc: the floor of a durable PostgreSQL round trip on this machine (docs/performance.md: the lone authorize).
import { mkdtemp, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../dist/db/embedded.js';
const dir = await mkdtemp(path.join(tmpdir(), 'floor-')); await chmod(dir, 0o755);
const server = await startEmbeddedPostgres({ dataDir: dir, durable: true });
const c = new pg.Client({ connectionString: server.url }); await c.connect();
await c.query('CREATE TABLE t (id serial primary key, v text)');
async function time(label, fn, n = 400) {
  for (let i = 0; i < 50; i++) await fn();
  const xs = [];
  for (let i = 0; i < n; i++) { const s = performance.now(); await fn(); xs.push(performance.now() - s); }
  xs.sort((a, b) => a - b);
  console.log(label, 'p50', xs[n/2|0].toFixed(3), 'p99', xs[n*0.99|0].toFixed(3));
}
await time('select 1', () => c.query('SELECT 1'));
await time('insert autocommit durable', () => c.query("INSERT INTO t (v) VALUES ('x')"));
await time('begin;insert;commit one msg', () => c.query("BEGIN; INSERT INTO t (v) VALUES ('x'); COMMIT"));
await time('3 round trips', async () => { await c.query('BEGIN; SELECT 1'); await c.query("INSERT INTO t (v) VALUES ('x')"); await c.query('COMMIT'); });
await time('2 round trips', async () => { await c.query('BEGIN; SELECT 1'); await c.query("INSERT INTO t (v) VALUES ('x'); COMMIT"); });
await c.query('SET synchronous_commit = off');
await time('insert async commit', () => c.query("INSERT INTO t (v) VALUES ('x')"));
await c.end(); await server.stop();
