import { sql } from 'kysely';
import type { Db } from './database.js';

/**
 * PostgreSQL's cumulative counters that tell how many round trips became durable work: transactions
 * committed in this database (every autocommit statement counts as one, a read included) and WAL
 * fsyncs of the whole server (each durable commit waits for one; concurrent commits may share it).
 * Their difference over a window, divided into the requests answered in it, gives requests per
 * commit and per WAL fsync. Only the benchmark reads them.
 * Backends flush their counters at most once a second, so over a few seconds the figures are approximate.
 */
export interface Commits {
  readonly commits: number;
  readonly walFsyncs: number;
}

export async function committedTransactions(db: Db): Promise<Commits> {
  const { rows } = await sql<{ commits: string; wal_fsyncs: string }>`
    SELECT (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()) AS commits,
      (SELECT coalesce(sum(fsyncs), 0) FROM pg_stat_io WHERE object = 'wal') AS wal_fsyncs`.execute(db);
  return { commits: Number(rows[0]?.commits ?? 0), walFsyncs: Number(rows[0]?.wal_fsyncs ?? 0) };
}
