import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, chmod, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/config.js';
import { DEMO_LOGINS } from '../src/billing/seed-demo.js';
import { connectDatabase } from '../src/db/database.js';
import { withDatabaseName } from '../src/db/embedded.js';
import { startHarness, type Harness } from './support/harness.js';

/** The built command line, as the README runs it (npm test builds dist/ first). */
const CLI = path.join(PROJECT_ROOT, 'dist', 'cli', 'main.js');

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

function runCli(args: string[], env: Record<string, string>, timeoutMs = 120_000) {
  return spawnSync(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: timeoutMs });
}

/** A running CLI and everything it printed so far. */
interface Started {
  readonly child: ChildProcessWithoutNullStreams;
  output(): string;
  stop(): Promise<void>;
}

/** Starts the CLI and waits until it prints `until` (or exits). */
async function startCli(args: string[], env: Record<string, string>, until: string): Promise<Started> {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, PORT: '0', LOG_LEVEL: 'warn', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 90_000;
  while (!output.includes(until) && Date.now() < deadline && child.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 200));
  return {
    child,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function orgCount(databaseUrl: string): Promise<number> {
  const db = connectDatabase({ url: databaseUrl, poolSize: 1 });
  try {
    return (await db.selectFrom('orgs').select('org_id').execute()).length;
  } finally {
    await db.destroy();
  }
}

/** A new, empty database on the tests' PostgreSQL server: what a fresh production DATABASE_URL looks like. */
async function emptyDatabase(): Promise<string> {
  const name = `t_empty_${randomBytes(4).toString('hex')}`;
  await sql.raw(`CREATE DATABASE ${name}`).execute(h.db);
  return withDatabaseName(h.databaseUrl, name);
}

describe('the command line', () => {
  it('audit passes on a sound ledger and names each violation (exit 1) on a broken one', async () => {
    const org = await h.createOrg();
    await h.api('POST', `/v1/orgs/${org}/ai/usage`, { idempotency_key: 'k', user_id: 'u', feature: 'assistant', action: 'chat', tokens: 5_000 });
    const env = { DATABASE_URL: h.databaseUrl };
    const sound = runCli(['audit'], env);
    expect(sound.stdout).toContain('Audit passed');
    expect(sound.status).toBe(0);
    await h.db.updateTable('org_balances').set((eb) => ({ plan_credits: eb('plan_credits', '+', 7) })).where('org_id', '=', org).execute();
    const broken = runCli(['audit'], env);
    expect(broken.status).toBe(1);
    expect(broken.stdout).toContain(`VIOLATION org=${org} rule="cached totals equal the sum of ledger entries"`);
    expect(broken.stdout).toContain('rule="cached buckets equal the grants"');
    await h.db.updateTable('org_balances').set((eb) => ({ plan_credits: eb('plan_credits', '-', 7) })).where('org_id', '=', org).execute();
  });

  it('names every bad environment variable and exits 1', () => {
    const result = runCli(['migrate'], { PORT: 'abc', LOUPE_TEST_CLOCK: 'maybe' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('PORT must be a whole number');
    expect(result.stderr).toContain('LOUPE_TEST_CLOCK must be 1 or 0');
  });

  it('the ledger refuses to change or delete an entry', async () => {
    await expect(h.db.updateTable('ledger_entries').set({ credits: 1 }).execute()).rejects.toThrow(/append-only/);
    await expect(h.db.deleteFrom('ledger_entries').execute()).rejects.toThrow(/append-only/);
  });

  it('start: embedded PostgreSQL, migrations, the seeded demo org and the server, from an empty data directory; the key in full only once', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'loupe-start-'));
    await chmod(dataDir, 0o755);
    const env = { LOUPE_DATA_DIR: dataDir, LOUPE_TEST_CLOCK: '1', DATABASE_URL: '', LOUPE_PLATFORM_KEY: '' };
    let cli = await startCli(['start'], env, 'Demo org');
    try {
      const output = cli.output();
      expect(output).toContain('loupe-billing is running');
      expect(output).toContain('Demo org          demo (just seeded into the embedded database); logins:');
      for (const login of DEMO_LOGINS) expect(output).toContain(login.email);
      const url = /Web app and API\s+(\S+)\//.exec(output)?.[1];
      const key = /Platform API key\s+(\S+)/.exec(output)?.[1];
      const keyFile = path.join(dataDir, 'platform-key');
      expect(key).toBe((await readFile(keyFile, 'utf8')).trim());
      expect(output).toContain(`(new: shown only this once; kept in ${keyFile})`);
      const balance = await fetch(`${url}/v1/orgs/demo/balance`, { headers: { authorization: `Bearer ${key}` } });
      expect(balance.status).toBe(200);
      const body = (await balance.json()) as { plan: { granted: number; remaining: number } };
      expect(body.plan.granted).toBe(10_000);
      expect(body.plan.remaining).toBeLessThan(10_000);
      const usage = (await (await fetch(`${url}/v1/orgs/demo/usage?limit=500`, { headers: { authorization: `Bearer ${key}` } })).json()) as { items: { feature: string; user_id: string }[] };
      expect(new Set(usage.items.map((item) => item.feature)).size).toBe(5);
      expect(new Set(usage.items.map((item) => item.user_id)).size).toBe(3);
      const login = await fetch(`${url}/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: DEMO_LOGINS[0].email, password: DEMO_LOGINS[0].password }),
      });
      expect(login.status).toBe(200);
      expect((await fetch(`${url}/v1/test-clock`)).status).toBe(200);
      const advance = { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ seconds: 60 }) };
      expect((await fetch(`${url}/v1/test-clock/advance`, advance)).status).toBe(401);
      expect((await fetch(`${url}/v1/test-clock/advance`, { ...advance, headers: { ...advance.headers, authorization: `Bearer ${key}` } })).status).toBe(200);

      await cli.stop();
      cli = await startCli(['start'], env, 'Demo org');
      const again = cli.output();
      expect(again).toContain('loupe-billing is running');
      expect(again).not.toContain(key);
      expect(again).toContain(`Platform API key  lb_sk_…${key!.slice(-4)}   (the full key is in ${keyFile})`);
      expect(again).toContain('Demo org          demo; logins:');
    } finally {
      await cli.stop();
      const audit = runCli(['audit'], { LOUPE_DATA_DIR: dataDir, DATABASE_URL: '' });
      expect(audit.stdout).toContain('Audit passed');
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('start on an empty DATABASE_URL does not seed the demo org (its passwords are published) and says so; --demo does', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'loupe-start-'));
    const databaseUrl = await emptyDatabase();
    const env = { LOUPE_DATA_DIR: dataDir, DATABASE_URL: databaseUrl, LOUPE_PLATFORM_KEY: '', LOUPE_DEMO: '' };
    try {
      const plain = await startCli(['start'], env, 'Demo org');
      await plain.stop();
      expect(plain.output()).toContain('loupe-billing is running');
      expect(plain.output()).toContain('Demo org          none (seeded only into an empty embedded database, or with start --demo / LOUPE_DEMO=1)');
      for (const login of DEMO_LOGINS) expect(plain.output()).not.toContain(login.password);
      expect(await orgCount(databaseUrl)).toBe(0);

      const demo = await startCli(['start', '--demo'], env, 'Demo org');
      await demo.stop();
      expect(demo.output()).toContain('Demo org          demo (just seeded into the empty database at DATABASE_URL); logins:');
      expect(await orgCount(databaseUrl)).toBe(1);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('start refuses a LOUPE_PLATFORM_KEY revoked through /v1/api-keys, naming the variable, rather than serve with a dead key', async () => {
    const created = (await h.api('POST', '/v1/api-keys', { name: 'ops' })).json() as { id: string; key: string };
    expect((await h.api('DELETE', `/v1/api-keys/${created.id}`)).statusCode).toBe(204);
    const result = runCli(['serve'], { DATABASE_URL: h.databaseUrl, LOUPE_PLATFORM_KEY: created.key, PORT: '0', LOG_LEVEL: 'warn' }, 30_000);
    expect(result.stdout).not.toContain('loupe-billing is running');
    expect(result.stderr).toContain('LOUPE_PLATFORM_KEY was revoked (through /v1/api-keys) and can no longer authenticate');
    expect(result.status).toBe(1);
    expect((await h.api('GET', '/v1/api-keys', undefined, { authorization: `Bearer ${created.key}` })).statusCode).toBe(401);
  });

  it('start refuses a generated platform key that was revoked, naming its file', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'loupe-start-'));
    try {
      const created = (await h.api('POST', '/v1/api-keys', { name: 'generated' })).json() as { id: string; key: string };
      expect((await h.api('DELETE', `/v1/api-keys/${created.id}`)).statusCode).toBe(204);
      await writeFile(path.join(dataDir, 'platform-key'), `${created.key}\n`, { mode: 0o600 });
      const result = runCli(['serve'], { DATABASE_URL: h.databaseUrl, LOUPE_DATA_DIR: dataDir, LOUPE_PLATFORM_KEY: '', PORT: '0', LOG_LEVEL: 'warn' }, 30_000);
      expect(result.stdout).not.toContain('loupe-billing is running');
      expect(result.stderr).toContain(`the platform key in ${path.join(dataDir, 'platform-key')} was revoked`);
      expect(result.status).toBe(1);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
