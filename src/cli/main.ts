#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { openRuntime, type Runtime } from '../runtime.js';
import { serve } from '../http/server.js';
import { auditLedger } from '../billing/audit.js';
import { ensurePlatformKey, maskedKey, type PlatformKey } from '../identity/api-keys.js';
import { openApiDocument } from '../http/openapi-document.js';
import { DEMO_LOGINS, DEMO_ORG_ID, hasDemoOrg, seedDemo, seedDemoIfEmpty } from '../billing/seed-demo.js';

const USAGE = `Usage: loupe-billing <command>

Commands:
  start       migrate, seed the demo org into an empty embedded database, and serve (npm start);
              --demo (or LOUPE_DEMO=1) seeds it into an empty DATABASE_URL too
  serve       serve the API and web app
  migrate     apply database migrations
  seed-demo   add the demo org (${DEMO_ORG_ID}) with its users and 30 days of usage
  audit       check every ledger invariant; exits 1 and names each violation
  openapi     print the OpenAPI document (every route, the test clock's included); no database

Environment: PORT, HOST, LOUPE_DATA_DIR, DATABASE_URL, LOUPE_PLATFORM_KEY, LOUPE_TEST_CLOCK, LOUPE_DEMO,
LOUPE_PLANS_FILE, LOUPE_HOLD_TTL_SECONDS, LOUPE_JOB_INTERVAL_MS, LOG_LEVEL (see README).`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { org: { type: 'string' }, help: { type: 'boolean' }, demo: { type: 'boolean' } } });
  const command = positionals[0];
  if (values.help || command === undefined || command === 'help') {
    console.log(USAGE);
    return command === undefined && !values.help ? 1 : 0;
  }
  if (command === 'openapi') {
    const json = `${JSON.stringify(await openApiDocument(), null, 2)}\n`;
    // Wait for the pipe to take it all: main() ends in process.exit, which would cut it short.
    await new Promise<void>((resolve, reject) => process.stdout.write(json, (error) => (error ? reject(error) : resolve())));
    return 0;
  }
  const config = loadConfig();
  switch (command) {
    case 'start':
      return start(config, { seedIfEmpty: true, demo: config.demo || values.demo === true });
    case 'serve':
      return start(config, { seedIfEmpty: false, demo: false });
    case 'migrate':
      return withRuntime(config, async () => {
        console.log('Database migrated to the latest version.');
        return 0;
      });
    case 'seed-demo':
      return withRuntime(config, async (runtime) => {
        await seedDemo(runtime.deps);
        console.log(`Seeded the demo org "${DEMO_ORG_ID}".`);
        return 0;
      });
    case 'audit':
      return withRuntime(config, async (runtime) => {
        const violations = await auditLedger(runtime.db, values.org ?? null);
        for (const violation of violations) console.log(`VIOLATION org=${violation.org_id} rule="${violation.rule}": ${violation.detail}`);
        console.log(violations.length === 0 ? 'Audit passed: every ledger invariant holds.' : `Audit failed: ${violations.length} violation(s).`);
        return violations.length === 0 ? 0 : 1;
      });
    default:
      console.error(`Unknown command "${command}".\n\n${USAGE}`);
      return 2;
  }
}

async function withRuntime(config: Config, work: (runtime: Runtime) => Promise<number>): Promise<number> {
  const runtime = await openRuntime(config);
  try {
    return await work(runtime);
  } finally {
    await runtime.close();
  }
}

/**
 * `demo`: seed the demo org into an empty database even when it is not the embedded one. Its logins'
 * passwords are published, so an empty production DATABASE_URL never gets it unasked.
 */
async function start(config: Config, options: { seedIfEmpty: boolean; demo: boolean }): Promise<number> {
  const runtime = await openRuntime(config);
  const platformKey = await ensurePlatformKey(runtime.db, { configured: config.platformKey, dataDir: config.dataDir, now: new Date() });
  let seeded = false;
  if (options.seedIfEmpty && (runtime.embedded || options.demo)) {
    seeded = await seedDemoIfEmpty(runtime.deps);
    if (seeded) console.log('Empty database: the demo org is seeded.');
  }
  const server = await serve(runtime, config);
  const lines = [
    '',
    'loupe-billing is running',
    `  Web app and API   ${server.url}/`,
    `  API reference     ${server.url}/docs   (OpenAPI: ${server.url}/openapi.json)`,
    `  Database          ${runtime.databaseLabel}`,
    `  Platform API key  ${describePlatformKey(platformKey)}`,
    `  Test clock        ${config.testClock ? 'on (POST /v1/test-clock/advance)' : 'off'}`,
    `  Payments          ${config.stripe ? 'Stripe' : 'built-in provider (test cards, no network)'}`,
    `  E-mail            ${config.smtpUrl ? `sent through ${new URL(config.smtpUrl).host}` : 'SMTP_URL not set: e-mails are kept in the database and shown in the app'}`,
  ];
  if (await hasDemoOrg(runtime.deps)) {
    lines.push(`  Demo org          ${DEMO_ORG_ID}${seeded ? ` (just seeded into the ${runtime.embedded ? 'embedded database' : 'empty database at DATABASE_URL'})` : ''}; logins:`);
    for (const login of DEMO_LOGINS) lines.push(`    ${login.role.padEnd(6)}  ${login.email} / ${login.password}`);
  } else {
    lines.push('  Demo org          none (seeded only into an empty embedded database, or with start --demo / LOUPE_DEMO=1)');
  }
  console.log(lines.join('\n'));
  const shutdown = async (signal: string) => {
    server.app.log.info(`${signal}: shutting down`);
    await server.stop();
    await runtime.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  return new Promise<number>(() => undefined);
}

/** The key in full only the one time it is generated; afterwards its last characters and where it is. */
function describePlatformKey(platformKey: PlatformKey): string {
  switch (platformKey.origin) {
    case 'generated':
      return `${platformKey.key}   (new: shown only this once; kept in ${platformKey.file})`;
    case 'file':
      return `${maskedKey(platformKey.key)}   (the full key is in ${platformKey.file})`;
    case 'environment':
      return `${maskedKey(platformKey.key)}   (LOUPE_PLATFORM_KEY)`;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ConfigError) console.error(error.message);
    else console.error(error);
    process.exit(1);
  },
);
