import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PROJECT_ROOT } from '../src/config.js';
import { connectDatabase, type Db } from '../src/db/database.js';
import { withDatabaseName } from '../src/db/embedded.js';
import { auditLedger } from '../src/billing/audit.js';

/**
 * Two server processes on one database, as when an operator runs two instances behind a load
 * balancer. Each process batches its own requests, so only PostgreSQL's locks stand between them:
 * simultaneous authorizes and records split across both never spend a credit twice, a key
 * recorded by one is a replay on the other, writes for many orgs arriving in opposite orders
 * neither deadlock nor hang, and the ledger audit holds afterwards.
 */
const CLI = path.join(PROJECT_ROOT, 'dist', 'cli', 'main.js');
const KEY = 'lb_sk_two_servers_0123456789abcdef';
const REQUEST_TIMEOUT_MS = 30_000;

interface Server {
  readonly process: ChildProcess;
  readonly url: string;
}
interface Answer {
  readonly status: number;
  readonly json: Record<string, unknown>;
  readonly text: string;
  readonly replayed: string | null;
}

let databaseUrl: string;
let db: Db;
let a: Server;
let b: Server;

async function startServer(): Promise<Server> {
  const child = spawn(process.execPath, [CLI, 'serve'], {
    env: { ...process.env, DATABASE_URL: databaseUrl, PORT: '0', LOUPE_PLATFORM_KEY: KEY, LOG_LEVEL: 'error' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Web app and API\s+http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (match) resolve(Number(match[1]));
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`server exited (${code}) before listening: ${output}`)));
  });
  return { process: child, url: `http://127.0.0.1:${port}` };
}

function stopServer(server: Server | undefined): Promise<void> {
  const child = server?.process;
  if (!child || child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** A request that got no answer within the bound (a hang) counts as status 0. */
async function call(server: Server, method: string, route: string, body?: unknown): Promise<Answer> {
  try {
    const response = await fetch(`${server.url}${route}`, {
      method,
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    return { status: response.status, json: JSON.parse(text) as Record<string, unknown>, text, replayed: response.headers.get('idempotent-replayed') };
  } catch (error) {
    return { status: 0, json: {}, text: String(error), replayed: null };
  }
}

const usage = (key: string, tokens: number) => ({ idempotency_key: key, user_id: 'u', feature: 'assistant', action: 'chat', tokens });
const sum = (answers: readonly Answer[], field: string) => answers.reduce((total, answer) => total + (answer.json[field] as number), 0);

async function balance(org: string): Promise<{ available: number; held: number; plan: { remaining: number } }> {
  const answer = await call(a, 'GET', `/v1/orgs/${org}/balance`);
  expect(answer.status, answer.text).toBe(200);
  return answer.json as { available: number; held: number; plan: { remaining: number } };
}

async function createOrg(): Promise<string> {
  const id = `two-${randomBytes(4).toString('hex')}`;
  const answer = await call(a, 'POST', '/v1/orgs', { id, name: `Org ${id}`, plan: 'starter', billing_address: { country: 'US', region: 'CA' }, admin: { email: `admin@${id}.test`, name: 'Admin' } });
  expect(answer.status, answer.text).toBe(201);
  return id;
}

/** A new org left with exactly `credits` plan credits by a negative platform adjustment. */
async function orgWithCredits(credits: number): Promise<string> {
  const org = await createOrg();
  const take = (await balance(org)).plan.remaining - credits;
  const answer = await call(b, 'POST', `/v1/orgs/${org}/grants`, { source: 'adjustment', credits: -take, reason: 'test set-up' });
  expect(answer.status, answer.text).toBe(201);
  expect(await balance(org)).toMatchObject({ available: credits, held: 0 });
  return org;
}

async function usageRows(org: string): Promise<number> {
  const row = await db.selectFrom('usage_records').select((eb) => eb.fn.countAll<string>().as('count')).where('org_id', '=', org).executeTakeFirstOrThrow();
  return Number(row.count);
}

async function deadlocks(): Promise<number> {
  const { rows } = await sql<{ deadlocks: string }>`SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()`.execute(db);
  return Number(rows[0]?.deadlocks);
}

beforeAll(async () => {
  const serverUrl = inject('serverUrl');
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  // Empty, not a copy of loupe_template: both servers migrate it at once, as two instances of a
  // deploy would (Kysely's migration lock makes one wait for the other).
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  databaseUrl = withDatabaseName(serverUrl, name);
  [a, b] = await Promise.all([startServer(), startServer()]);
  db = connectDatabase({ url: databaseUrl, poolSize: 2 });
}, 120_000);

afterAll(async () => {
  await Promise.all([stopServer(a), stopServer(b)]);
  await db?.destroy();
});

describe('two servers on one database', () => {
  it('250 authorizes to each server against 300 credits allow exactly 300 between them', async () => {
    const org = await orgWithCredits(300);
    const body = { user_id: 'u', feature: 'assistant', action: 'chat' };
    const answers = await Promise.all([a, b].flatMap((server) => Array.from({ length: 250 }, () => call(server, 'POST', `/v1/orgs/${org}/ai/authorize`, body))));
    expect(answers.map((answer) => answer.status)).toEqual(Array(500).fill(200));
    const allowed = answers.filter((answer) => answer.json.allowed === true);
    expect(allowed).toHaveLength(300);
    expect(answers.filter((answer) => answer.json.reason === 'CREDITS_EXHAUSTED')).toHaveLength(200);
    expect(new Set(allowed.map((answer) => answer.json.hold_id)).size).toBe(300);
    expect(await balance(org)).toMatchObject({ available: 0, held: 300 });
  });

  it('100 authorizes of one user to each server against a member limit of 50 allow exactly 50, while another user goes on', async () => {
    const org = await createOrg();
    const limits = await call(a, 'PUT', `/v1/orgs/${org}/settings/user-limits`, { default_monthly_credits: null, overrides: { 'u-capped': 50 } });
    expect(limits.status, limits.text).toBe(200);
    const body = (user: string) => ({ user_id: user, feature: 'assistant', action: 'chat' });
    const capped = [a, b].flatMap((server) => Array.from({ length: 100 }, () => call(server, 'POST', `/v1/orgs/${org}/ai/authorize`, body('u-capped'))));
    const other = [a, b].flatMap((server) => Array.from({ length: 20 }, () => call(server, 'POST', `/v1/orgs/${org}/ai/authorize`, body('u-free'))));
    const [cappedAnswers, otherAnswers] = await Promise.all([Promise.all(capped), Promise.all(other)]);
    expect(cappedAnswers.filter((answer) => answer.json.allowed === true)).toHaveLength(50);
    expect(cappedAnswers.filter((answer) => answer.json.reason === 'USER_LIMIT_REACHED')).toHaveLength(150);
    expect(otherAnswers.every((answer) => answer.json.allowed === true)).toBe(true);
    expect((await balance(org)).held).toBe(50 + 40);
  });

  it('200 records to each server charge exactly what is available, and each key replays on the other server', async () => {
    const org = await orgWithCredits(300);
    const keysOf = (prefix: string) => Array.from({ length: 200 }, (_, index) => `${prefix}-${index}`);
    const send = (server: Server, keys: readonly string[]) => keys.map((key) => call(server, 'POST', `/v1/orgs/${org}/ai/usage`, usage(key, 1_500)));
    const first = await Promise.all([...send(a, keysOf('a')), ...send(b, keysOf('b'))]);
    expect(first.map((answer) => answer.status)).toEqual(Array(400).fill(201));
    expect(sum(first, 'charged')).toBe(300);
    expect(sum(first, 'uncollected')).toBe(400 * 2 - 300);
    expect(await usageRows(org)).toBe(400);

    const replays = await Promise.all([...send(b, keysOf('a')), ...send(a, keysOf('b'))]);
    expect(replays.map((answer) => answer.status)).toEqual(Array(400).fill(200));
    expect(replays.every((answer) => answer.replayed === 'true')).toBe(true);
    expect(replays.map((answer) => answer.text)).toEqual(first.map((answer) => answer.text));
    expect(await usageRows(org)).toBe(400);
    expect((await balance(org)).available).toBe(0);
  });

  it('records for 20 orgs sent to the two servers in opposite orders all land, without a deadlock', async () => {
    const orgs = await Promise.all(Array.from({ length: 20 }, () => createOrg()));
    const initial = await Promise.all(orgs.map(async (org) => (await balance(org)).available));
    const deadlocksBefore = await deadlocks();
    const rounds = Array.from({ length: 20 }, (_, round) => round);
    // Each server gets every org once per round: A in order 0..19, B in order 19..0.
    const requests = rounds.flatMap((round) =>
      orgs.flatMap((_, index) => [
        { server: a, org: index, key: `a-${round}-${index}`, tokens: 1_000 * (1 + (round % 3)) },
        { server: b, org: orgs.length - 1 - index, key: `b-${round}-${index}`, tokens: 1_000 * (1 + (index % 4)) },
      ]),
    );
    const answers = await Promise.all(requests.map((request) => call(request.server, 'POST', `/v1/orgs/${orgs[request.org]}/ai/usage`, usage(request.key, request.tokens))));
    expect(answers.filter((answer) => answer.status !== 201).map((answer) => `${answer.status} ${answer.text}`)).toEqual([]);
    expect(answers.every((answer) => answer.json.charged === answer.json.credits && answer.json.uncollected === 0)).toBe(true);

    for (const [index, org] of orgs.entries()) {
      const charged = sum(answers.filter((_, position) => requests[position]?.org === index), 'charged');
      expect(charged).toBeGreaterThan(0);
      expect((await balance(org)).available).toBe((initial[index] ?? 0) - charged);
    }
    // A backend reports its statistics once it has been idle for a second: wait for that.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(await deadlocks()).toBe(deadlocksBefore);
  });

  it('hashes passwords at full cost (argon2id, 19 MiB, 2 passes), as every server does', async () => {
    const id = `two-${randomBytes(4).toString('hex')}`;
    const admin = { email: `admin@${id}.test`, name: 'Admin', password: 'admin-password' };
    const answer = await call(a, 'POST', '/v1/orgs', { id, name: `Org ${id}`, plan: 'starter', billing_address: { country: 'US', region: 'CA' }, admin });
    expect(answer.status, answer.text).toBe(201);
    const row = await db.selectFrom('users').select('password_hash').where('email', '=', admin.email).executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });

  it('leaves a ledger the audit finds nothing wrong with', async () => {
    expect(await auditLedger(db, null, new Date())).toEqual([]);
  });
});
