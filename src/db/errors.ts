/**
 * PostgreSQL is not reachable (down, restarting, the connection lost): the service is not ready,
 * not broken. Told by the error's class — a socket error code or a SQLSTATE of class 08 (connection
 * exception) or 57P (operator intervention: shutdown, cannot connect now) — and by the two messages
 * node-postgres gives without a code.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { code, syscall } = error as { code?: string; syscall?: string };
  return (
    code === 'ECONNREFUSED' ||
    code === 'ECONNRESET' ||
    // A Unix socket (the embedded PostgreSQL's) is gone while its server is down.
    (code === 'ENOENT' && syscall === 'connect') ||
    (typeof code === 'string' && (code.startsWith('08') || code.startsWith('57P'))) ||
    error.message.includes('timeout exceeded when trying to connect') ||
    error.message.includes('Connection terminated')
  );
}
