import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile, chmod } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, PROJECT_ROOT } from '../config.js';
import { connectDatabase, type Db } from '../db/database.js';
import { startEmbeddedPostgres, withDatabaseName } from '../db/embedded.js';
import { ensureDatabase } from '../runtime.js';
import { auditLedger } from '../billing/audit.js';
import { insertHistoryRows } from '../db/bench-data.js';
import type { LoadResult, LoadSpec } from './load.js';

/**
 * `npm run bench`: a durable embedded PostgreSQL (fsync and synchronous commit on), the server as
 * its own process, and the load generator as a third process, all on this machine over loopback.
 * Scenarios: hot-org (records; authorize → record pairs), naive (the same hot-org load with
 * LOUPE_GROUP_COMMIT=0, in the same run), many-orgs, history (pages over 1,000,000 rows and the CSV
 * export's peak RSS), and latency at 70% of the measured maximum. The audit runs after every
 * scenario that writes. `--quick` shortens everything to stay under two minutes.
 */
const HERE = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.join(HERE, '..', 'cli', 'main.js');
const LOAD = path.join(HERE, 'load.js');
const API_KEY = 'lb_sk_bench_0123456789abcdefghijkl';

const quick = process.argv.includes('--quick');
const SETTINGS = quick
  ? { durationMs: 4_000, warmupMs: 1_000, manyOrgs: 1_000, historyRows: 200_000 }
  : { durationMs: 15_000, warmupMs: 3_000, manyOrgs: 10_000, historyRows: 1_000_000 };
const CLIENTS = 64;

interface Server {
  readonly url: string;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

async function startServer(databaseUrl: string, groupCommit: boolean, port: number): Promise<Server> {
  const child = spawn(process.execPath, [CLI, 'serve'], {
    env: { ...process.env, DATABASE_URL: databaseUrl, PORT: String(port), LOUPE_PLATFORM_KEY: API_KEY, LOUPE_GROUP_COMMIT: groupCommit ? '1' : '0', LOG_LEVEL: 'warn', LOUPE_JOB_INTERVAL_MS: '60000' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('loupe-billing is running')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${output}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    process: child,
    stop: () => new Promise<void>((resolve) => (child.once('exit', () => resolve()), child.kill('SIGTERM'))),
  };
}

function runLoad(spec: LoadSpec): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LOAD, JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(output.trim().split('\n').at(-1) ?? '{}') as LoadResult) : reject(new Error(`load generator exited with ${code}`))));
  });
}

async function api(server: Server, method: string, route: string, body?: unknown) {
  const response = await fetch(`${server.url}${route}`, {
    method,
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`${method} ${route} → ${response.status} ${await response.text()}`);
  return response.json() as Promise<Record<string, unknown>>;
}

/** An org with credits to spare and on-demand without a cap, so no request is refused for money. */
async function createLoadedOrg(server: Server, id: string) {
  await api(server, 'POST', '/v1/orgs', { id, name: id, plan: 'business', billing_address: { country: 'US', region: 'CA' }, admin: { email: `admin@${id}.bench`, name: 'Bench' } });
  await api(server, 'POST', `/v1/orgs/${id}/grants`, { source: 'promotional', credits: 10_000_000, reason: 'benchmark' });
  await api(server, 'PUT', `/v1/orgs/${id}/settings/on-demand`, { enabled: true, monthly_limit_credits: 0 });
}

async function createOrgs(server: Server, prefix: string, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, (_, index) => `${prefix}-${index}`);
  const workers = 16;
  for (let start = 0; start < ids.length; start += workers) {
    await Promise.all(ids.slice(start, start + workers).map((id) => api(server, 'POST', '/v1/orgs', { id, name: id, plan: 'business', billing_address: { country: 'US' }, admin: { email: `admin@${id}.bench`, name: 'Bench' } })));
  }
  return ids;
}

function peakRss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) * 1024 : 0;
}

async function csvExportRss(server: Server, orgId: string): Promise<{ seconds: number; rows: number; peakRssMb: number; rssBeforeMb: number }> {
  const pid = server.process.pid!;
  const before = peakRss(pid);
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, peakRss(pid))), 50);
  const started = performance.now();
  const response = await fetch(`${server.url}/v1/orgs/${orgId}/usage.csv`, { headers: { authorization: `Bearer ${API_KEY}` } });
  let rows = -1;
  const reader = response.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    for (const byte of value) if (byte === 10) rows += 1;
  }
  clearInterval(timer);
  return { seconds: Number(((performance.now() - started) / 1_000).toFixed(2)), rows, peakRssMb: Math.round(peak / 1024 / 1024), rssBeforeMb: Math.round(before / 1024 / 1024) };
}

async function audit(db: Db, label: string): Promise<number> {
  const violations = await auditLedger(db);
  for (const violation of violations) console.error(`  AUDIT ${label}: ${violation.rule}: ${violation.detail}`);
  return violations.length;
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'loupe-bench-'));
  await chmod(dataDir, 0o755);
  console.log(`loupe-billing benchmark (${quick ? 'quick' : 'full'}): ${SETTINGS.durationMs / 1000} s per scenario after ${SETTINGS.warmupMs / 1000} s warm-up, ${CLIENTS} clients`);
  const postgres = await startEmbeddedPostgres({ dataDir, durable: true });
  await ensureDatabase(postgres.url, 'loupe');
  const databaseUrl = withDatabaseName(postgres.url, 'loupe');
  const db = connectDatabase({ url: databaseUrl, poolSize: 4 });
  const results: Record<string, unknown> = {};
  let violations = 0;
  const base = { connections: CLIENTS, durationMs: SETTINGS.durationMs, warmupMs: SETTINGS.warmupMs, apiKey: API_KEY };
  try {
    // Naive first, on its own org, so both modes start from the same state of the database.
    let server = await startServer(databaseUrl, false, 3391);
    await createLoadedOrg(server, 'hot-naive');
    results.naive = await runLoad({ ...base, url: server.url, scenario: 'record', orgs: ['hot-naive'], keyPrefix: 'naive' });
    report('naive (one commit per request)', results.naive as LoadResult);
    await server.stop();
    violations += await audit(db, 'naive');

    server = await startServer(databaseUrl, true, 3392);
    await createLoadedOrg(server, 'hot');
    const hot = await runLoad({ ...base, url: server.url, scenario: 'record', orgs: ['hot'], keyPrefix: 'hot' });
    results.hotOrgRecords = hot;
    report('hot-org records (group commit)', hot);
    const pairs = await runLoad({ ...base, url: server.url, scenario: 'authorize-record', orgs: ['hot'], keyPrefix: 'pairs' });
    results.hotOrgPairs = pairs;
    report('hot-org authorize → record pairs', pairs);
    const at70 = await runLoad({ ...base, url: server.url, scenario: 'authorize-record', orgs: ['hot'], keyPrefix: 'pairs70', rate: Math.max(1, Math.round(pairs.throughput * 0.7)) });
    results.hotOrgPairsAt70Percent = at70;
    report('hot-org pairs at 70% of max', at70);
    const records70 = await runLoad({ ...base, url: server.url, scenario: 'record', orgs: ['hot'], keyPrefix: 'hot70', rate: Math.max(1, Math.round(hot.throughput * 0.7)) });
    results.hotOrgRecordsAt70Percent = records70;
    report('hot-org records at 70% of max', records70);
    violations += await audit(db, 'hot-org');

    console.log(`  creating ${SETTINGS.manyOrgs.toLocaleString('en-US')} orgs…`);
    const orgs = await createOrgs(server, 'many', SETTINGS.manyOrgs);
    const many = await runLoad({ ...base, url: server.url, scenario: 'record', orgs, keyPrefix: 'many' });
    results.manyOrgs = many;
    report('many-orgs records', many);
    violations += await audit(db, 'many-orgs');

    console.log(`  writing ${SETTINGS.historyRows.toLocaleString('en-US')} usage rows…`);
    await createLoadedOrg(server, 'history');
    await insertHistoryRows(db, { orgId: 'history', rows: SETTINGS.historyRows, end: new Date() });
    const firstPage = await runLoad({ ...base, connections: 8, url: server.url, scenario: 'history-first-page', orgs: ['history'], keyPrefix: 'h1' });
    results.historyFirstPage = firstPage;
    report('history first page', firstPage);
    const filtered = await runLoad({ ...base, connections: 8, url: server.url, scenario: 'history-filtered-page', orgs: ['history'], keyPrefix: 'h2' });
    results.historyFilteredPage = filtered;
    report('history filtered page', filtered);
    const csv = await csvExportRss(server, 'history');
    results.csvExport = csv;
    console.log(`  CSV export: ${csv.rows.toLocaleString('en-US')} rows in ${csv.seconds} s, server RSS ${csv.rssBeforeMb} MB before, peak ${csv.peakRssMb} MB during`);
    await server.stop();
    violations += await audit(db, 'history');

    const ratio = Number((hot.throughput / Math.max(1, (results.naive as LoadResult).throughput)).toFixed(1));
    results.hotOrgOverNaive = ratio;
    results.audit = violations === 0 ? 'passed' : `${violations} violations`;
    results.machine = { cpus: (await import('node:os')).cpus().length, node: process.version, quick };
    await writeResults(results);
    console.log(`\n${table(results)}`);
    console.log(`\nhot-org / naive = ${ratio}×; audit ${results.audit}`);
    if (violations > 0) process.exitCode = 1;
  } finally {
    await db.destroy();
    await postgres.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

function report(label: string, result: LoadResult): void {
  const auth = result.authorizeLatencyMs ? `; authorize p99 ${result.authorizeLatencyMs.p99} ms` : '';
  console.log(
    `  ${label}: ${result.throughput.toLocaleString('en-US')}/s, p50 ${result.latencyMs.p50} ms, p95 ${result.latencyMs.p95} ms, p99 ${result.latencyMs.p99} ms, max ${result.latencyMs.max} ms, errors ${result.errors}${auth}`,
  );
}

function table(results: Record<string, unknown>): string {
  const rows = [
    ['naive', 'naive (LOUPE_GROUP_COMMIT=0): records'],
    ['hotOrgRecords', 'hot-org: records'],
    ['hotOrgPairs', 'hot-org: authorize → record pairs'],
    ['hotOrgRecordsAt70Percent', 'hot-org: records at 70% of max'],
    ['hotOrgPairsAt70Percent', 'hot-org: pairs at 70% of max'],
    ['manyOrgs', 'many-orgs: records'],
    ['historyFirstPage', 'history: first page (1M rows)'],
    ['historyFilteredPage', 'history: filtered page'],
  ] as const;
  const lines = ['| scenario | per second | p50 ms | p95 ms | p99 ms | max ms | errors |', '|---|---:|---:|---:|---:|---:|---:|'];
  for (const [key, label] of rows) {
    const result = results[key] as LoadResult | undefined;
    if (!result) continue;
    lines.push(`| ${label} | ${result.throughput.toLocaleString('en-US')} | ${result.latencyMs.p50} | ${result.latencyMs.p95} | ${result.latencyMs.p99} | ${result.latencyMs.max} | ${result.errors} |`);
  }
  const csv = results.csvExport as { rows: number; seconds: number; peakRssMb: number; rssBeforeMb: number } | undefined;
  if (csv) lines.push(`| history: CSV export of ${csv.rows.toLocaleString('en-US')} rows | ${csv.seconds} s | | | | RSS ${csv.rssBeforeMb} → peak ${csv.peakRssMb} MB | |`);
  return lines.join('\n');
}

async function writeResults(results: Record<string, unknown>): Promise<void> {
  const dir = path.join(PROJECT_ROOT, 'bench', 'results');
  await mkdir(dir, { recursive: true });
  const stamped = { ...results, at: new Date().toISOString() };
  await writeFile(path.join(dir, 'latest.json'), `${JSON.stringify(stamped, null, 2)}\n`);
  await writeFile(path.join(dir, 'latest.md'), `# Benchmark results (${stamped.at})\n\n${table(results)}\n\nhot-org / naive = ${String(results.hotOrgOverNaive)}×; audit ${String(results.audit)}\n`);
}

loadConfig();
main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
