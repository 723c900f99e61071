import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';

// int8 columns and ::bigint sums come back as strings by default. Every credit and cent figure is
// bounded far below 2^53 (see domain/credits.ts), so a Number is exact; check it anyway.
pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed)) throw new RangeError(`integer ${value} is beyond 2^53`);
  return parsed;
});

export type Db = Kysely<Database>;

export function connectDatabase(options: { url: string; poolSize?: number }): Db {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 20,
    // A request that cannot get a connection quickly should fail, not queue without bound.
    connectionTimeoutMillis: 10_000,
    application_name: 'loupe-billing',
  });
  // An idle client that loses its server (database restart) must not crash the process.
  pool.on('error', () => undefined);
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
