import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile, chmod } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, PROJECT_ROOT } from '../config.js';
import { connectDatabase, type Db } from '../db/database.js';
import { ensureDatabase, startEmbeddedPostgres, withDatabaseName } from '../db/embedded.js';
import { auditLedger } from '../billing/audit.js';
import { insertHistoryRows } from '../db/bench-data.js';
import { committedTransactions, type Commits } from '../db/commit-statistics.js';
import { cpuMilliseconds } from './cpu.js';
import type { LoadMessage, LoadResult, LoadSpec } from './load.js';

/**
 * `npm run bench`: a durable embedded PostgreSQL (fsync and synchronous commit on), the server as
 * its own process, and the load generator as a third process, all on this machine over loopback.
 *
 * These machines are shared and noisy, so every figure is read against a baseline of the same run:
 * first the ceiling, a bare Fastify process (bare-server.ts) measured with the same load generator,
 * connections and duration; then each scenario as a share of the bare route of its method (GET or
 * POST), with the CPU time of the server, of PostgreSQL (postmaster and backends) and of the load
 * generator over the measured window, and the HTTP requests per PostgreSQL commit.
 *
 * Scenarios: /healthz and the hot org's balance; hot-org records and authorize → record pairs; naive
 * (hot-org records with LOUPE_GROUP_COMMIT=0, in the same run); records and pairs at 70% of their
 * maximum; authorize one at a time and at 200/s; many-orgs; history (pages over 1,000,000 rows and
 * the CSV export's peak RSS). The audit runs after every scenario that writes. `--quick` shortens
 * everything to stay under about two and a half minutes.
 */
const HERE = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.join(HERE, '..', 'cli', 'main.js');
const LOAD = path.join(HERE, 'load.js');
const BARE_SERVER = path.join(HERE, 'bare-server.js');
const API_KEY = 'lb_sk_bench_0123456789abcdefghijkl';

const quick = process.argv.includes('--quick');
const SETTINGS = quick
  ? { durationMs: 4_000, warmupMs: 1_000, manyOrgs: 1_000, historyRows: 200_000 }
  : { durationMs: 15_000, warmupMs: 3_000, manyOrgs: 10_000, historyRows: 1_000_000 };
const CLIENTS = 64;
/** The open-loop rate of the "authorize at 200/s" scenario. */
const AUTHORIZE_RATE = 200;
/** The batch scenario: 1,000-event requests (the endpoint's maximum) over 8 connections (issue 14). */
const BATCH_EVENTS = 1_000;
const BATCH_CONNECTIONS = 8;
/** The share of the measured maximum that the latency scenarios run at. */
const LATENCY_LOAD_SHARE = 0.7;

type Ceiling = 'GET' | 'POST';

interface Server {
  readonly url: string;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `node <script> <args>` and resolves once its standard output shows `ready`. */
async function startProcess(options: { script: string; args: readonly string[]; env: Record<string, string>; port: number; ready: string }): Promise<Server> {
  const child = spawn(process.execPath, [options.script, ...options.args], { env: { ...process.env, ...options.env, PORT: String(options.port) }, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(options.ready)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`${options.script} exited with ${code}: ${output}`)));
  });
  return {
    url: `http://127.0.0.1:${options.port}`,
    process: child,
    stop: () => new Promise<void>((resolve) => (child.once('exit', () => resolve()), child.kill('SIGTERM'))),
  };
}

function startServer(databaseUrl: string, groupCommit: boolean, port: number): Promise<Server> {
  const env = {
    DATABASE_URL: databaseUrl,
    LOUPE_PLATFORM_KEY: API_KEY,
    LOUPE_GROUP_COMMIT: groupCommit ? '1' : '0',
    LOG_LEVEL: 'warn',
    LOUPE_JOB_INTERVAL_MS: '60000',
    // The limiter still runs on every request (its cost is measured); only its ceiling is out of reach.
    LOUPE_PLATFORM_RATE_LIMIT_PER_MINUTE: '100000000',
  };
  return startProcess({ script: CLI, args: ['serve'], env, port, ready: 'loupe-billing is running' });
}

function startBareServer(port: number): Promise<Server> {
  return startProcess({ script: BARE_SERVER, args: [], env: {}, port, ready: 'listening' });
}

/** CPU time and commit count at one edge of a measured window. */
interface Sample {
  readonly atMs: number;
  readonly cpuMs: Record<'server' | 'postgres' | 'load', number>;
  readonly commits: Promise<Commits> | undefined;
}

interface Probe {
  readonly serverPid: number;
  readonly postmasterPid: number;
  /** Absent for the bare server: no database, no commits to count. */
  readonly db?: Db;
}

function sample(probe: Probe, loadPid: number): Sample {
  return {
    atMs: performance.now(),
    cpuMs: cpuMilliseconds({ server: probe.serverPid, postgres: probe.postmasterPid, load: loadPid }),
    commits: probe.db ? committedTransactions(probe.db) : undefined,
  };
}

/** Runs the load generator and samples CPU time and commits when its measured window opens and closes. */
function runLoad(spec: LoadSpec, probe: Probe): Promise<{ result: LoadResult; start: Sample; end: Sample }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LOAD, JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let pending = '';
    let start: Sample | undefined;
    let end: Sample | undefined;
    let result: LoadResult | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const message = JSON.parse(line) as LoadMessage;
        if (message.phase === 'measuring') start = sample(probe, child.pid!);
        else if (message.phase === 'measured') end = sample(probe, child.pid!);
        else result = message.result;
      }
    });
    child.once('exit', (code) => {
      if (code === 0 && result && start && end) resolve({ result, start, end });
      else reject(new Error(`load generator exited with ${code}${result ? '' : ' without a result'}`));
    });
  });
}

export interface Measurement extends LoadResult {
  readonly label: string;
  /** Which bare route this scenario is a share of. */
  readonly shareOf: Ceiling;
  /** One of the two bare Fastify measurements that the others are shares of. */
  readonly isCeiling: boolean;
  /** Operations per second as a percentage of the bare Fastify route of the same method, same run. */
  readonly shareOfCeilingPercent: number;
  /** Percent of one core over the measured window, per process tree. */
  readonly cpu: { readonly serverPercent: number; readonly postgresPercent: number; readonly loadPercent: number; readonly serverMsPerRequest: number; readonly windowSeconds: number };
  /** true where the scenario writes: its requests per commit are the batch size. */
  readonly writes: boolean;
  /** Commits and WAL fsyncs in the window (approximate: see commits.ts), and HTTP requests per each. */
  readonly commits?: {
    readonly count: number;
    readonly perSecond: number;
    readonly requestsPerCommit: number | null;
    readonly walFsyncs: number;
    readonly requestsPerWalFsync: number | null;
  };
}

interface Run {
  readonly postmasterPid: number;
  readonly db: Db;
  readonly results: Record<string, unknown>;
  /** Bare Fastify operations per second, by method, measured at the start of this run. */
  readonly ceiling: Partial<Record<Ceiling, number>>;
}

interface ScenarioSpec {
  readonly key: string;
  readonly label: string;
  readonly shareOf: Ceiling;
  readonly server: Server;
  readonly load: Pick<LoadSpec, 'scenario' | 'keyPrefix'> & Partial<LoadSpec>;
  /** The bare server: no database, and the ceiling itself. */
  readonly bare?: boolean;
  readonly writes?: boolean;
}

async function measure(run: Run, scenario: ScenarioSpec): Promise<Measurement> {
  const spec: LoadSpec = { connections: CLIENTS, durationMs: SETTINGS.durationMs, warmupMs: SETTINGS.warmupMs, apiKey: API_KEY, orgs: [], url: scenario.server.url, ...scenario.load };
  const database = !scenario.bare;
  const probe: Probe = { serverPid: scenario.server.process.pid!, postmasterPid: run.postmasterPid, ...(database ? { db: run.db } : {}) };
  const { result, start, end } = await runLoad(spec, probe);
  const windowMs = end.atMs - start.atMs;
  const percent = (name: keyof Sample['cpuMs']) => Math.round(((end.cpuMs[name] - start.cpuMs[name]) / windowMs) * 100);
  const serverCpuMs = end.cpuMs.server - start.cpuMs.server;
  const ceiling = run.ceiling[scenario.shareOf] ?? result.throughput;
  const measurement: Measurement = {
    label: scenario.label,
    shareOf: scenario.shareOf,
    isCeiling: scenario.bare ?? false,
    writes: scenario.writes ?? false,
    ...result,
    shareOfCeilingPercent: Number(((result.throughput / Math.max(1, ceiling)) * 100).toFixed(1)),
    cpu: {
      serverPercent: percent('server'),
      postgresPercent: percent('postgres'),
      loadPercent: percent('load'),
      serverMsPerRequest: Number((serverCpuMs / Math.max(1, result.requests)).toFixed(3)),
      windowSeconds: Number((windowMs / 1_000).toFixed(2)),
    },
    ...(database ? { commits: commitFigures({ start: await start.commits!, end: await end.commits!, requests: result.requests, windowMs }) } : {}),
  };
  run.results[scenario.key] = measurement;
  report(measurement);
  return measurement;
}

function commitFigures(input: { start: Commits; end: Commits; requests: number; windowMs: number }): NonNullable<Measurement['commits']> {
  const count = input.end.commits - input.start.commits;
  const walFsyncs = input.end.walFsyncs - input.start.walFsyncs;
  const per = (events: number) => (events > 0 ? Number((input.requests / events).toFixed(1)) : null);
  return { count, perSecond: Math.round(count / (input.windowMs / 1_000)), requestsPerCommit: per(count), walFsyncs, requestsPerWalFsync: per(walFsyncs) };
}

/** The postmaster's pid, from the first line of its pid file in the data directory embedded.ts lays out. */
function postmasterPid(dataDir: string): number {
  const pid = Number(readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`no postmaster pid in ${dataDir}`);
  return pid;
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
  const run: Run = { postmasterPid: postmasterPid(dataDir), db, results: {}, ceiling: {} };
  let violations = 0;
  try {
    await measureCeiling(run);
    const naive = await measureNaive(run, databaseUrl);
    violations += await audit(db, 'naive');

    const server = await startServer(databaseUrl, true, 3392);
    const hot = await measureHotOrg(run, server);
    await measureAuthorizeLatency(run, server);
    violations += await audit(db, 'hot-org');

    console.log(`  creating ${SETTINGS.manyOrgs.toLocaleString('en-US')} orgs…`);
    const orgs = await createOrgs(server, 'many', SETTINGS.manyOrgs);
    await measure(run, { key: 'manyOrgs', label: `many-orgs: records (${orgs.length.toLocaleString('en-US')} orgs round-robin)`, shareOf: 'POST', server, writes: true, load: { scenario: 'record', orgs, keyPrefix: 'many' } });
    violations += await audit(db, 'many-orgs');
    await measureUsageBatches(run, server, orgs);
    violations += await audit(db, 'usage batches');

    await measureHistory(run, server);
    await server.stop();
    violations += await audit(db, 'history');

    const { results } = run;
    const ratio = Number((hot.throughput / Math.max(1, naive.throughput)).toFixed(1));
    results.ceiling = { getPerSecond: run.ceiling.GET, postPerSecond: run.ceiling.POST };
    results.hotOrgOverNaive = ratio;
    results.audit = violations === 0 ? 'passed' : `${violations} violations`;
    results.machine = { cpus: cpus().length, node: process.version, quick };
    await writeResults(results);
    console.log(`\n${table(results)}`);
    console.log(`\n${summary(results).join('\n')}`);
    if (violations > 0) process.exitCode = 1;
  } finally {
    await db.destroy();
    await postgres.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/**
 * POST /v1/usage/batch (issue 14): 1,000-event requests over 8 connections, each batch's events spread
 * over the many orgs; then the same at 50% of the rate just measured, for the latency at load.
 */
async function measureUsageBatches(run: Run, server: Server, orgs: readonly string[]): Promise<void> {
  const load = { scenario: 'usage-batch', orgs, connections: BATCH_CONNECTIONS, batchEvents: BATCH_EVENTS } as const;
  const full = await measure(run, { key: 'usageBatch', label: `usage batches of ${BATCH_EVENTS.toLocaleString('en-US')} events (${orgs.length.toLocaleString('en-US')} orgs, ${BATCH_CONNECTIONS} connections)`, shareOf: 'POST', server, writes: true, load: { ...load, keyPrefix: 'batch' } });
  reportEvents(run, 'usageBatch', full);
  // Batches per second at half the events per second just measured (load.ts rounds its own rate to whole batches).
  const half = ((full.events ?? 0) / Math.max(0.001, full.seconds) / BATCH_EVENTS) / 2;
  const measured = await measure(run, { key: 'usageBatchAt50Percent', label: 'usage batches at 50% of max', shareOf: 'POST', server, writes: true, load: { ...load, keyPrefix: 'batch50', rate: half } });
  reportEvents(run, 'usageBatchAt50Percent', measured);
}

/** Events per second acknowledged, next to the batches per second that measure() reported. */
function reportEvents(run: Run, key: string, measurement: Measurement): void {
  const eventsPerSecond = Math.round((measurement.events ?? 0) / Math.max(0.001, measurement.seconds));
  run.results[key] = { ...measurement, eventsPerSecond };
  console.log(`    events: ${eventsPerSecond.toLocaleString('en-US')}/s acknowledged (201), ${(measurement.eventErrors ?? 0).toLocaleString('en-US')} answered otherwise`);
}

/** The bare Fastify process, GET then POST: every later share is of these two figures. */
async function measureCeiling(run: Run): Promise<void> {
  const server = await startBareServer(3390);
  try {
    const get = await measure(run, { key: 'bareGet', label: 'bare Fastify: GET (ceiling)', shareOf: 'GET', server, bare: true, load: { scenario: 'bare-get', keyPrefix: 'bare-get' } });
    run.ceiling.GET = get.throughput;
    const post = await measure(run, { key: 'barePost', label: 'bare Fastify: JSON POST (ceiling)', shareOf: 'POST', server, bare: true, load: { scenario: 'bare-post', keyPrefix: 'bare-post' } });
    run.ceiling.POST = post.throughput;
  } finally {
    await server.stop();
  }
}

/** Naive first, on its own org and server, so both modes start from the same state of the database. */
async function measureNaive(run: Run, databaseUrl: string): Promise<Measurement> {
  const server = await startServer(databaseUrl, false, 3391);
  try {
    await createLoadedOrg(server, 'hot-naive');
    return await measure(run, { key: 'naive', label: 'naive (LOUPE_GROUP_COMMIT=0): records', shareOf: 'POST', server, writes: true, load: { scenario: 'record', orgs: ['hot-naive'], keyPrefix: 'naive' } });
  } finally {
    await server.stop();
  }
}

async function measureHotOrg(run: Run, server: Server): Promise<Measurement> {
  await createLoadedOrg(server, 'hot');
  const orgs = ['hot'];
  await measure(run, { key: 'healthz', label: 'GET /healthz', shareOf: 'GET', server, load: { scenario: 'healthz', keyPrefix: 'healthz' } });
  const hot = await measure(run, { key: 'hotOrgRecords', label: 'hot-org: records', shareOf: 'POST', server, writes: true, load: { scenario: 'record', orgs, keyPrefix: 'hot' } });
  // After the records, so that the balance is read from an org with a history behind it.
  await measure(run, { key: 'balance', label: 'hot-org: GET balance', shareOf: 'GET', server, load: { scenario: 'balance', orgs, keyPrefix: 'balance' } });
  const pairs = await measure(run, { key: 'hotOrgPairs', label: 'hot-org: authorize → record pairs', shareOf: 'POST', server, writes: true, load: { scenario: 'authorize-record', orgs, keyPrefix: 'pairs' } });
  const pairsRate = Math.max(1, Math.round(pairs.throughput * LATENCY_LOAD_SHARE));
  await measure(run, { key: 'hotOrgPairsAt70Percent', label: 'hot-org: pairs at 70% of max', shareOf: 'POST', server, writes: true, load: { scenario: 'authorize-record', orgs, keyPrefix: 'pairs70', rate: pairsRate } });
  const recordsRate = Math.max(1, Math.round(hot.throughput * LATENCY_LOAD_SHARE));
  await measure(run, { key: 'hotOrgRecordsAt70Percent', label: 'hot-org: records at 70% of max', shareOf: 'POST', server, writes: true, load: { scenario: 'record', orgs, keyPrefix: 'hot70', rate: recordsRate } });
  return hot;
}

/**
 * The latency a lone AI call pays before it may run. On an org of its own, each hold released
 * (untimed) after its authorize, so that no open holds pile up in the book that every authorize loads.
 */
async function measureAuthorizeLatency(run: Run, server: Server): Promise<void> {
  await createLoadedOrg(server, 'authorize');
  const orgs = ['authorize'];
  await measure(run, { key: 'authorizeOneAtATime', label: 'authorize one at a time, no other load', shareOf: 'POST', server, writes: true, load: { scenario: 'authorize', orgs, keyPrefix: 'authorize-1', connections: 1 } });
  await measure(run, { key: 'authorizeAt200PerSecond', label: `authorize at ${AUTHORIZE_RATE}/s`, shareOf: 'POST', server, writes: true, load: { scenario: 'authorize', orgs, keyPrefix: 'authorize-200', rate: AUTHORIZE_RATE } });
}

async function measureHistory(run: Run, server: Server): Promise<void> {
  console.log(`  writing ${SETTINGS.historyRows.toLocaleString('en-US')} usage rows…`);
  await createLoadedOrg(server, 'history');
  await insertHistoryRows(run.db, { orgId: 'history', rows: SETTINGS.historyRows, end: new Date() });
  const orgs = ['history'];
  const rows = `${(SETTINGS.historyRows / 1_000_000).toLocaleString('en-US')}M rows`;
  await measure(run, { key: 'historyFirstPage', label: `history: first page (${rows}, 8 connections)`, shareOf: 'GET', server, load: { scenario: 'history-first-page', orgs, keyPrefix: 'h1', connections: 8 } });
  await measure(run, { key: 'historyFilteredPage', label: 'history: filtered page (8 connections)', shareOf: 'GET', server, load: { scenario: 'history-filtered-page', orgs, keyPrefix: 'h2', connections: 8 } });
  const csv = await csvExportRss(server, 'history');
  run.results.csvExport = csv;
  console.log(`  CSV export: ${csv.rows.toLocaleString('en-US')} rows in ${csv.seconds} s, server RSS ${csv.rssBeforeMb} MB before, peak ${csv.peakRssMb} MB during`);
}

function report(measurement: Measurement): void {
  const { latencyMs: latency, cpu } = measurement;
  const share = measurement.isCeiling ? '' : ` = ${measurement.shareOfCeilingPercent}% of bare ${measurement.shareOf}`;
  const auth = measurement.authorizeLatencyMs ? `; authorize p99 ${measurement.authorizeLatencyMs.p99} ms` : '';
  console.log(
    `  ${measurement.label}: ${measurement.throughput.toLocaleString('en-US')}/s${share}; p50 ${latency.p50} ms, p95 ${latency.p95} ms, p99 ${latency.p99} ms, max ${latency.max} ms, errors ${measurement.errors}${auth}`,
  );
  const commits = measurement.commits;
  const perCommit = commits
    ? `; ${commits.perSecond.toLocaleString('en-US')} commits/s, ${commits.requestsPerCommit ?? '–'} requests per commit, ${commits.requestsPerWalFsync ?? '–'} per WAL fsync`
    : '';
  console.log(`    CPU: server ${cpu.serverPercent}% · PostgreSQL ${cpu.postgresPercent}% · load ${cpu.loadPercent}% (of one core); server ${cpu.serverMsPerRequest} ms CPU per request${perCommit}`);
}

/** The rows of the table, in the order they were measured. */
const TABLE_ROWS = [
  'bareGet',
  'barePost',
  'naive',
  'healthz',
  'hotOrgRecords',
  'balance',
  'hotOrgPairs',
  'hotOrgPairsAt70Percent',
  'hotOrgRecordsAt70Percent',
  'authorizeOneAtATime',
  'authorizeAt200PerSecond',
  'manyOrgs',
  'usageBatch',
  'usageBatchAt50Percent',
  'historyFirstPage',
  'historyFilteredPage',
] as const;

function table(results: Record<string, unknown>): string {
  const lines = [
    '| scenario | per second | share of ceiling | p50 ms | p99 ms | CPU server / PG / load | req per commit | req per WAL fsync | errors |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const key of TABLE_ROWS) {
    const result = results[key] as Measurement | undefined;
    if (!result) continue;
    // A batch is not one request's worth of work: its share of a bare POST would say nothing.
    const share = result.isCeiling ? 'ceiling' : 'eventsPerSecond' in result ? '–' : `${result.shareOfCeilingPercent}% of ${result.shareOf}`;
    const cpu = `${result.cpu.serverPercent}% / ${result.cpu.postgresPercent}% / ${result.cpu.loadPercent}%`;
    // Only a writing scenario's commits are its own; a read's are the background's and its reads'.
    const perCommit = (result.writes && result.commits?.requestsPerCommit) || '–';
    const perFsync = (result.writes && result.commits?.requestsPerWalFsync) || '–';
    const perSecond = 'eventsPerSecond' in result ? `${(result as Measurement & { eventsPerSecond: number }).eventsPerSecond.toLocaleString('en-US')} events` : result.throughput.toLocaleString('en-US');
    lines.push(`| ${result.label} | ${perSecond} | ${share} | ${result.latencyMs.p50} | ${result.latencyMs.p99} | ${cpu} | ${perCommit} | ${perFsync} | ${result.errors} |`);
  }
  const csv = results.csvExport as { rows: number; seconds: number; peakRssMb: number; rssBeforeMb: number } | undefined;
  if (csv) lines.push(`| history: CSV export of ${csv.rows.toLocaleString('en-US')} rows | ${csv.seconds} s | | | | RSS ${csv.rssBeforeMb} → peak ${csv.peakRssMb} MB | | | |`);
  return lines.join('\n');
}

function summary(results: Record<string, unknown>): string[] {
  const ceiling = results.ceiling as { getPerSecond?: number; postPerSecond?: number };
  return [
    `ceiling (bare Fastify, same load generator, ${CLIENTS} keep-alive connections): GET ${ceiling.getPerSecond?.toLocaleString('en-US')}/s, JSON POST ${ceiling.postPerSecond?.toLocaleString('en-US')}/s`,
    `CPU is % of one core over the measured window (${cpus().length} cores); PG = postmaster and its backends; req per commit = HTTP requests / xact_commit delta, every autocommit statement a commit; req per WAL fsync = HTTP requests / WAL fsyncs (both approximate, writing scenarios only)`,
    `usage batches: ${((results.usageBatch as { eventsPerSecond?: number } | undefined)?.eventsPerSecond ?? 0).toLocaleString('en-US')} events/s acknowledged at full load (per second above = batches of ${BATCH_EVENTS.toLocaleString('en-US')})`,
    `hot-org / naive = ${String(results.hotOrgOverNaive)}×; audit ${String(results.audit)}`,
  ];
}

async function writeResults(results: Record<string, unknown>): Promise<void> {
  const dir = path.join(PROJECT_ROOT, 'bench', 'results');
  await mkdir(dir, { recursive: true });
  const stamped = { ...results, at: new Date().toISOString() };
  await writeFile(path.join(dir, 'latest.json'), `${JSON.stringify(stamped, null, 2)}\n`);
  await writeFile(path.join(dir, 'latest.md'), `# Benchmark results (${stamped.at})\n\n${table(results)}\n\n${summary(results).map((line) => `- ${line}`).join('\n')}\n`);
}

loadConfig();
main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
