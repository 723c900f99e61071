import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';
import { DatabaseUnavailable, isConnectionFailure } from './errors.js';

// int8 columns and ::bigint sums come back as strings by default. Every credit and cent figure is
// bounded far below 2^53 (see domain/credits.ts), so a Number is exact; check it anyway.
pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed)) throw new RangeError(`integer ${value} is beyond 2^53`);
  return parsed;
});

export type Db = Kysely<Database>;

/** Each Kysely instance's pool, for the few hot reads that run as named prepared statements. */
const pools = new WeakMap<object, pg.Pool>();

type QueryCallback = (error: Error | null, result?: unknown) => void;

/**
 * A pool whose connection failures have a class of their own (DatabaseUnavailable): a failed connect,
 * and a query failing on a client whose connection ended, are outages whatever the driver's message.
 */
class OutageAwarePool extends pg.Pool {
  override connect(): Promise<pg.PoolClient>;
  override connect(callback: (error: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void): void;
  override connect(callback?: (error: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void): Promise<pg.PoolClient> | void {
    if (callback) {
      super.connect((error, client, done) => callback(error ? (unavailable('could not connect to PostgreSQL', error) as Error) : undefined, client ? observed(client) : client, done));
      return;
    }
    return super.connect().then(observed, (error: unknown) => {
      throw unavailable('could not connect to PostgreSQL', error);
    });
  }
}

function unavailable(what: string, error: unknown): unknown {
  return isConnectionFailure(error) && !(error instanceof DatabaseUnavailable) ? new DatabaseUnavailable(what, { cause: error }) : error;
}

const observedClients = new WeakSet<pg.PoolClient>();

/** Marks the client lost when its connection ends, and maps a query's failure on a lost client. */
function observed(client: pg.PoolClient): pg.PoolClient {
  if (observedClients.has(client)) return client;
  observedClients.add(client);
  let lost = false;
  client.on('end', () => (lost = true));
  client.on('error', () => (lost = true));
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  const mapped = (error: unknown) => (lost ? unavailable('the connection to PostgreSQL was lost', error) : error);
  (client as { query: unknown }).query = (...args: unknown[]) => {
    const last = args.at(-1);
    if (typeof last === 'function') {
      const callback = last as QueryCallback;
      return query(...args.slice(0, -1), (error: Error | null, result?: unknown) => callback(error ? (mapped(error) as Error) : null, result));
    }
    const result = query(...args);
    return result instanceof Promise ? result.catch((error: unknown) => Promise.reject(mapped(error))) : result;
  };
  return client;
}

export function connectDatabase(options: { url: string; poolSize?: number }): Db {
  const pool = new OutageAwarePool({
    connectionString: options.url,
    max: options.poolSize ?? 20,
    // A request that cannot get a connection quickly should fail, not queue without bound.
    connectionTimeoutMillis: 10_000,
    application_name: 'loupe-billing',
  });
  // An idle client that loses its server (database restart) must not crash the process.
  pool.on('error', () => undefined);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  pools.set(db, pool);
  return db;
}

/** Whether the database answers a trivial query (the readiness probe). */
export async function pingDatabase(db: Db): Promise<boolean> {
  return sql`SELECT 1`.execute(db).then(() => true, () => false);
}

/**
 * A hot read as a named prepared statement: each connection parses and plans it once, then only
 * binds and executes (planning was most of the balance read's PostgreSQL time). For a fixed SQL text
 * only, so a connection holds one plan per name. Outside transactions (it uses the pool directly).
 */
export async function preparedQuery<Row extends pg.QueryResultRow>(db: Db, statement: { name: string; text: string; values: unknown[] }): Promise<Row[]> {
  const pool = pools.get(db);
  if (!pool) throw new Error('preparedQuery needs the database handle from connectDatabase, not a transaction');
  return (await pool.query<Row>(statement)).rows;
}

/** The pool under a Kysely handle, for the ledger engine's raw connection (see ledger/engine.ts). */
export function poolOf(db: Db): pg.Pool {
  const pool = pools.get(db);
  if (!pool) throw new Error('poolOf needs the database handle from connectDatabase, not a transaction');
  return pool;
}
