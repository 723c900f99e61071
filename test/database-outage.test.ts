/**
 * A database outage is told by the error's class, never its message (issue 18, point 3): the pool
 * raises DatabaseUnavailable when it cannot connect or when a query's connection was lost, and
 * PostgreSQL's own errors keep their SQLSTATE. The HTTP layer answers 503 NOT_READY with Retry-After.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase } from '../src/db/database.js';
import { DatabaseUnavailable, isDatabaseUnavailable } from '../src/db/errors.js';
import { startHarness, type Harness } from './support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

async function failureOf(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (error) {
    return error;
  }
  throw new Error('expected the work to fail');
}

describe('database outages', () => {
  it('a server that cannot be reached: DatabaseUnavailable from the pool', async () => {
    // Port 9 (discard) has no PostgreSQL behind it.
    const nowhere = connectDatabase({ url: 'postgres://loupe@127.0.0.1:9/loupe', poolSize: 1 });
    try {
      const error = await failureOf(() => sql`SELECT 1`.execute(nowhere));
      expect(error).toBeInstanceOf(DatabaseUnavailable);
      expect(isDatabaseUnavailable(error)).toBe(true);
    } finally {
      await nowhere.destroy();
    }
  });

  it('a connection lost under a transaction: DatabaseUnavailable (or PostgreSQL’s own 57P01), whatever the driver says', async () => {
    const db = connectDatabase({ url: h.databaseUrl, poolSize: 1 });
    try {
      const error = await failureOf(() =>
        db.transaction().execute(async (tx) => {
          const { rows } = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(tx);
          await sql`SELECT pg_terminate_backend(${rows[0]!.pid})`.execute(h.db);
          await sql`SELECT 1`.execute(tx);
        }),
      );
      expect(isDatabaseUnavailable(error), String(error)).toBe(true);
    } finally {
      await db.destroy();
    }
  });

  it('an ordinary SQL error is not an outage', async () => {
    const error = await failureOf(() => sql`SELECT * FROM no_such_table`.execute(h.db));
    expect(isDatabaseUnavailable(error)).toBe(false);
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(false);
  });
});
