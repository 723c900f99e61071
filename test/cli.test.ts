import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/config.js';
import { DEMO_LOGINS } from '../src/cli/seed-demo.js';
import { startHarness, type Harness } from './support/harness.js';

/** The built command line, as the README runs it (npm test builds dist/ first). */
const CLI = path.join(PROJECT_ROOT, 'dist', 'cli', 'main.js');

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

function runCli(args: string[], env: Record<string, string>) {
  return spawnSync(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120_000 });
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

  it('start: embedded PostgreSQL, migrations, the seeded demo org and the server, from an empty data directory', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'loupe-start-'));
    await chmod(dataDir, 0o755);
    const child = spawn(process.execPath, [CLI, 'start'], {
      env: { ...process.env, LOUPE_DATA_DIR: dataDir, PORT: '0', LOUPE_TEST_CLOCK: '1', LOG_LEVEL: 'warn', DATABASE_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const deadline = Date.now() + 90_000;
      while (!output.includes('Demo org') && Date.now() < deadline && child.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 200));
      expect(output).toContain('loupe-billing is running');
      for (const login of DEMO_LOGINS) expect(output).toContain(login.email);
      const url = /Web app and API\s+(\S+)\//.exec(output)?.[1];
      const key = /Platform API key\s+(\S+)/.exec(output)?.[1];
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
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
      const audit = runCli(['audit'], { LOUPE_DATA_DIR: dataDir, DATABASE_URL: '' });
      expect(audit.stdout).toContain('Audit passed');
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
