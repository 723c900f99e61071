import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.js';
import { connectDatabase, type Db } from '../../src/db/database.js';
import { ensureDatabase, startEmbeddedPostgres, withDatabaseName, type EmbeddedDatabase } from '../../src/db/embedded.js';
import { auditLedger } from '../../src/billing/audit.js';

/**
 * Crash safety, the way an operator meets it: the server process is killed with SIGKILL at random
 * moments under load and restarted, clients retry every request that got no answer with the same
 * idempotency key; then PostgreSQL itself is stopped and started under load. Afterwards every
 * acknowledged request is in the ledger exactly once, none is charged twice, and the audit holds.
 * Runs its own PostgreSQL (durable, as in production) so that stopping it disturbs no other test.
 */
const CLI = path.join(PROJECT_ROOT, 'dist', 'cli', 'main.js');
const KEY = 'lb_sk_faults_0123456789abcdefghij';
const KILLS = 10;
const CLIENTS = 12;

/**
 * The kill moments come from a seeded generator (mulberry32) so that a failing run can be replayed:
 * the seed is printed, and LOUPE_CRASH_SEED=<seed> runs the same moments again.
 */
const SEED = Number(process.env.LOUPE_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 32));
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296;
  };
}
const random = seededRandom(SEED);

let postgres: EmbeddedDatabase;
let dataDir: string;
let databaseUrl: string;
let db: Db;
let port = 0;
let server: ChildProcess | null = null;
const figures = { seed: SEED, kills: 0, acknowledged: 0, retries: 0, lost: 0, doubled: 0, postgresRestarts: 0, notReadyAnswers: 0 };

async function startServer(): Promise<void> {
  const child = spawn(process.execPath, [CLI, 'serve'], {
    env: { ...process.env, DATABASE_URL: databaseUrl, PORT: String(port), LOUPE_PLATFORM_KEY: KEY, LOG_LEVEL: 'error', LOUPE_JOB_INTERVAL_MS: '60000' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Web app and API\s+http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (match) {
        port = Number(match[1]);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`server exited (${code}) before listening: ${output}`)));
  });
  server = child;
}

function killServer(): Promise<void> {
  const child = server;
  server = null;
  if (!child || child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

async function call(method: string, route: string, body?: unknown, timeoutMs = 5_000): Promise<{ status: number; json: Record<string, unknown> } | null> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}${route}`, {
      method,
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  } catch {
    return null;
  }
}

/** One client: records with fresh keys; a request without an answer (or a 5xx) is retried with the same key. */
async function client(index: number, until: () => boolean, acknowledged: Map<string, number>): Promise<void> {
  let sequence = 0;
  while (!until()) {
    sequence += 1;
    const key = `c${index}-${sequence}`;
    for (let attempt = 0; attempt < 200; attempt += 1) {
      const answer = await call('POST', '/v1/orgs/faults/ai/usage', { idempotency_key: key, user_id: `u${index}`, feature: 'assistant', action: 'chat', tokens: 1_500 });
      if (answer && answer.status < 300) {
        acknowledged.set(key, answer.json.charged as number);
        break;
      }
      figures.retries += 1;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'loupe-faults-'));
  await chmod(dataDir, 0o755);
  postgres = await startEmbeddedPostgres({ dataDir, durable: true });
  await ensureDatabase(postgres.url, 'loupe');
  databaseUrl = withDatabaseName(postgres.url, 'loupe');
  await startServer();
  db = connectDatabase({ url: databaseUrl, poolSize: 2 });
  const created = await call('POST', '/v1/orgs', { id: 'faults', name: 'Faults', plan: 'business', billing_address: { country: 'US' }, admin: { email: 'a@faults.test', name: 'A' } });
  expect(created?.status).toBe(201);
  await call('POST', '/v1/orgs/faults/grants', { source: 'promotional', credits: 1_000_000, reason: 'fault suite' });
}, 120_000);

afterAll(async () => {
  await killServer();
  await db?.destroy();
  await postgres?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('crash safety', () => {
  it(`survives ${KILLS} SIGKILLs under load: every acknowledged request is charged exactly once`, async () => {
    console.log(`crash suite seed: ${SEED} (replay with LOUPE_CRASH_SEED=${SEED})`);
    const acknowledged = new Map<string, number>();
    let done = false;
    const clients = Array.from({ length: CLIENTS }, (_, index) => client(index, () => done, acknowledged));
    for (let kill = 0; kill < KILLS; kill += 1) {
      await new Promise((resolve) => setTimeout(resolve, 400 + random() * 900));
      await killServer();
      figures.kills += 1;
      await startServer();
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    done = true;
    await Promise.all(clients);

    const rows = await db.selectFrom('usage_records').select(['idempotency_key', 'charged_credits']).where('org_id', '=', 'faults').execute();
    const byKey = new Map(rows.map((row) => [row.idempotency_key, row.charged_credits]));
    figures.acknowledged = acknowledged.size;
    figures.lost = [...acknowledged.keys()].filter((key) => !byKey.has(key)).length;
    figures.doubled = rows.length - byKey.size;
    expect(figures.kills).toBe(KILLS);
    expect(acknowledged.size).toBeGreaterThan(100);
    expect(figures.lost).toBe(0);
    expect(figures.doubled).toBe(0);
    // Every acknowledged answer is the stored one; nothing was charged that nobody recorded.
    for (const [key, charged] of acknowledged) expect(byKey.get(key)).toBe(charged);
    expect(await auditLedger(db)).toEqual([]);
  });

  it('with PostgreSQL stopped, the service answers 503 quickly and recovers by itself when it is back', async () => {
    expect((await call('GET', '/readyz'))?.status).toBe(200);
    await postgres.stop();
    figures.postgresRestarts += 1;
    const started = Date.now();
    const ready = await call('GET', '/readyz', undefined, 5_000);
    expect(ready?.status).toBe(503);
    const usage = await call('POST', '/v1/orgs/faults/ai/usage', { idempotency_key: 'while-down', user_id: 'u', feature: 'assistant', action: 'chat', tokens: 1 }, 15_000);
    expect(usage?.status).toBe(503);
    expect(usage?.json.code).toBe('NOT_READY');
    expect(Date.now() - started).toBeLessThan(12_000);
    figures.notReadyAnswers += 2;
    postgres = await startEmbeddedPostgres({ dataDir, durable: true, port: Number(new URL(databaseUrl).port) });
    let recovered = false;
    for (let attempt = 0; attempt < 100 && !recovered; attempt += 1) {
      recovered = (await call('GET', '/readyz'))?.status === 200;
      if (!recovered) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(recovered).toBe(true);
    const retried = await call('POST', '/v1/orgs/faults/ai/usage', { idempotency_key: 'while-down', user_id: 'u', feature: 'assistant', action: 'chat', tokens: 1 });
    expect(retried?.status).toBe(201);
    await db.destroy();
    db = connectDatabase({ url: withDatabaseName(postgres.url, 'loupe'), poolSize: 2 });
    expect(await auditLedger(db)).toEqual([]);
    console.log(`fault figures: ${JSON.stringify(figures)}`);
    const dir = path.join(PROJECT_ROOT, 'test-artifacts', 'reliability');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'faults.json'), `${JSON.stringify({ ...figures, at: new Date().toISOString() }, null, 2)}\n`);
  });
});
