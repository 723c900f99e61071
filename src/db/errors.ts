import pg from 'pg';

/**
 * The connection to PostgreSQL failed or was lost under a query: raised by the pool (db/database.ts)
 * in place of the driver's own error, which is a bare Error with only a message to tell it by.
 */
export class DatabaseUnavailable extends Error {
  override name = 'DatabaseUnavailable';
}

/**
 * Whether an error the driver raised means the server could not be reached. PostgreSQL's own answers
 * are DatabaseErrors with a SQLSTATE: of those, only class 08 (connection exception) and 57P
 * (operator intervention: shutdown, cannot connect now) are outages. Any other driver error on
 * connecting or on a client whose connection ended is one too.
 */
export function isConnectionFailure(error: unknown): boolean {
  if (error instanceof pg.DatabaseError) return isOutageSqlState(error.code);
  return error instanceof Error;
}

function isOutageSqlState(code: string | undefined): boolean {
  return typeof code === 'string' && (code.startsWith('08') || code.startsWith('57P'));
}

/**
 * PostgreSQL is not reachable (down, restarting, the connection lost): the service is not ready,
 * not broken. Told by the error's class — DatabaseUnavailable from our pool, a socket error code, or
 * a SQLSTATE of class 08 or 57P — never by its message.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof DatabaseUnavailable) return true;
  if (!(error instanceof Error)) return false;
  const { code, syscall } = error as { code?: string; syscall?: string };
  return (
    code === 'ECONNREFUSED' ||
    code === 'ECONNRESET' ||
    // A Unix socket (the embedded PostgreSQL's) is gone while its server is down.
    (code === 'ENOENT' && syscall === 'connect') ||
    isOutageSqlState(code)
  );
}
