// Ad hoc: GET /healthz of the service against the bare Fastify GET, alternating, same load generator.
import { spawn } from 'node:child_process';
import { mkdtemp, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureDatabase, startEmbeddedPostgres, withDatabaseName } from '../dist/db/embedded.js';

const seconds = Number(process.env.SECONDS ?? 4);
const dir = await mkdtemp(path.join(tmpdir(), 'healthz-'));
await chmod(dir, 0o755);
const pgServer = await startEmbeddedPostgres({ dataDir: dir, durable: true });
await ensureDatabase(pgServer.url, 'h');
const start = (args, env, ready) => new Promise((resolve) => {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  child.stdout.on('data', (chunk) => String(chunk).includes(ready) && resolve(child));
});
const bare = await start(['dist/bench/bare-server.js'], { PORT: '3391' }, 'listening');
const ours = await start([...(process.env.CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir=' + process.env.CPU_PROF] : []), 'dist/cli/main.js', 'serve'], { DATABASE_URL: withDatabaseName(pgServer.url, 'h'), PORT: '3978', LOUPE_PLATFORM_KEY: 'lb_sk_healthz_0123456789abcdefghijklmn', LOG_LEVEL: 'warn', ...(process.env.EXTRA ? JSON.parse(process.env.EXTRA) : {}) }, 'is running');
const run = async (url, scenario) => {
  const spec = { url, apiKey: 'lb_sk_healthz_0123456789abcdefghijklmn', scenario, orgs: ['x'], connections: 64, durationMs: seconds * 1000, warmupMs: 1000, keyPrefix: scenario };
  const load = spawn(process.execPath, ['dist/bench/load.js', JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  load.stdout.on('data', (chunk) => (out += chunk));
  await new Promise((resolve) => load.once('exit', resolve));
  return JSON.parse(out.trim().split('\n').pop()).result.throughput;
};
for (let round = 0; round < Number(process.env.ROUNDS ?? 2); round += 1) {
  const b = await run('http://127.0.0.1:3391', 'bare-get');
  const h = await run('http://127.0.0.1:3978', 'healthz');
  console.log(`bare GET ${b.toFixed(0)}/s, /healthz ${h.toFixed(0)}/s = ${((100 * h) / b).toFixed(1)}%`);
}
bare.kill('SIGTERM');
ours.kill('SIGTERM');
await pgServer.stop();
process.exit(0);
