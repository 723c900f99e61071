// Ad hoc (docs/performance.md): one durable embedded PostgreSQL, the server with LOUPE_ENGINE_PROFILE=1,
// and the bench's load generator on one org (or ORGS orgs) for SECONDS; prints the engine's phase times.
import { spawn } from 'node:child_process';
import { mkdtemp, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureDatabase, startEmbeddedPostgres, withDatabaseName } from '../dist/db/embedded.js';

const KEY = 'lb_sk_profile_0123456789abcdefghijkl';
const scenario = process.env.SCENARIO ?? 'record';
const orgCount = Number(process.env.ORGS ?? 1);
const seconds = Number(process.env.SECONDS ?? 8);
const dir = await mkdtemp(path.join(tmpdir(), 'profile-'));
await chmod(dir, 0o755);
const pgServer = await startEmbeddedPostgres({ dataDir: dir, durable: true });
await ensureDatabase(pgServer.url, 'p');
const serverCount = Number(process.env.SERVERS ?? 1);
const servers = [];
for (let index = 0; index < serverCount; index += 1) {
const server = spawn(process.execPath, [...(process.env.CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir=' + process.env.CPU_PROF] : []), 'dist/cli/main.js', 'serve'], {
  env: { ...process.env, DATABASE_URL: withDatabaseName(pgServer.url, 'p'), PORT: String(3977 + index), LOUPE_PLATFORM_KEY: KEY, LOG_LEVEL: 'warn', LOUPE_ENGINE_PROFILE: '1', LOUPE_JOB_INTERVAL_MS: '60000', LOUPE_PLATFORM_RATE_LIMIT_PER_MINUTE: '100000000', ...(process.env.EXTRA ? JSON.parse(process.env.EXTRA) : {}) },
  stdio: ['ignore', 'pipe', 'pipe'],
});
server.stderr.on('data', (chunk) => process.stdout.write(`[server ${index}] ${chunk}`));
await new Promise((resolve) => server.stdout.on('data', (chunk) => String(chunk).includes('is running') && resolve()));
servers.push(server);
}
const url = 'http://127.0.0.1:3977';
const orgs = Array.from({ length: orgCount }, (_, index) => `p${index}`);
for (let start = 0; start < orgs.length; start += 16) {
  await Promise.all(orgs.slice(start, start + 16).map((id) => fetch(`${url}/v1/orgs`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ id, name: id, plan: 'business', billing_address: { country: 'US', region: 'CA' }, admin: { email: `a@${id}.test`, name: 'A' } }) })));
}
if (process.env.DROP) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: withDatabaseName(pgServer.url, 'p') });
  await client.connect();
  for (const statement of process.env.DROP.split(';')) await client.query(statement);
  await client.end();
}
const connections = Number(process.env.CONNECTIONS ?? 64);
const results = await Promise.all(servers.map(async (_, index) => {
  const spec = { url: `http://127.0.0.1:${3977 + index}`, apiKey: KEY, scenario, orgs, connections: Math.ceil(connections / serverCount), durationMs: seconds * 1000, warmupMs: 1000, keyPrefix: `p${index}`, batchEvents: Number(process.env.BATCH ?? 1000) };
  const load = spawn(process.execPath, ['dist/bench/load.js', JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  load.stdout.on('data', (chunk) => (out += chunk));
  await new Promise((resolve) => load.once('exit', resolve));
  return JSON.parse(out.trim().split('\n').pop()).result;
}));
for (const result of results) console.log(`${scenario} on ${orgCount} org(s): ${result.throughput}/s${result.events !== undefined ? ` (${Math.round(result.events / result.seconds)} events/s, ${result.eventErrors} not 201)` : ""}, p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms, errors ${result.errors}`);
console.log(`total ${results.reduce((sum, result) => sum + result.throughput, 0).toFixed(0)}/s over ${serverCount} server(s)`);
for (const server of servers) server.kill('SIGTERM');
await Promise.all(servers.map((server) => new Promise((resolve) => server.once('exit', resolve))));
await pgServer.stop();
process.exit(0);
