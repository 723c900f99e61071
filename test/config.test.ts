import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, loadPlanCatalog, PROJECT_ROOT } from '../src/config.js';

/** loadConfig(env) and loadPlanCatalog(file): defaults, and every bad value named at once. */

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

const GOOD_KEY = 'lb_sk_live_0123456789abcdefghij';

describe('loadConfig', () => {
  it('has defaults for an empty environment', () => {
    expect(loadConfig({}).seller).toEqual({
      name: 'Loupe Factory, Inc.',
      country: 'US',
      region: 'CA',
      line1: '548 Market St',
      city: 'San Francisco',
      postal_code: '94104',
      vat_id: null,
    });
    expect(loadConfig({})).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      dataDir: path.resolve('.data'),
      databaseUrl: undefined,
      platformKey: undefined,
      testClock: false,
      demo: false,
      plansFile: path.join(PROJECT_ROOT, 'config', 'plans.json'),
      logLevel: 'info',
      holdTtlSeconds: 600,
      jobIntervalMs: 5_000,
      secureCookies: false,
    });
  });

  it('treats empty strings as unset', () => {
    expect(
      loadConfig({ PORT: '', HOST: '', DATABASE_URL: '', LOUPE_PLATFORM_KEY: '', LOUPE_TEST_CLOCK: '', LOG_LEVEL: '', LOUPE_HOLD_TTL_SECONDS: '' }),
    ).toEqual(loadConfig({}));
  });

  it('reads every variable', () => {
    expect(
      loadConfig({
        PORT: '8080',
        HOST: '0.0.0.0',
        LOUPE_DATA_DIR: '/var/lib/loupe',
        DATABASE_URL: 'postgres://loupe:secret@db:5432/loupe',
        LOUPE_PLATFORM_KEY: GOOD_KEY,
        LOUPE_TEST_CLOCK: '1',
        LOUPE_DEMO: '1',
        LOUPE_PLANS_FILE: '/etc/loupe/plans.json',
        LOG_LEVEL: 'debug',
        LOUPE_HOLD_TTL_SECONDS: '120',
        LOUPE_JOB_INTERVAL_MS: '250',
        LOUPE_SECURE_COOKIES: 'true',
      }),
    ).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      dataDir: '/var/lib/loupe',
      databaseUrl: 'postgres://loupe:secret@db:5432/loupe',
      platformKey: GOOD_KEY,
      testClock: true,
      demo: true,
      plansFile: '/etc/loupe/plans.json',
      logLevel: 'debug',
      holdTtlSeconds: 120,
      jobIntervalMs: 250,
      secureCookies: true,
    });
  });

  it('accepts a postgresql:// URL and the port range ends', () => {
    expect(loadConfig({ DATABASE_URL: 'postgresql://localhost/loupe' }).databaseUrl).toBe('postgresql://localhost/loupe');
    expect(loadConfig({ PORT: '0' }).port).toBe(0);
    expect(loadConfig({ PORT: '65535' }).port).toBe(65_535);
  });

  it.each([
    ['1', true],
    ['true', true],
    ['TRUE', true],
    ['yes', true],
    ['on', true],
    ['0', false],
    ['false', false],
    ['no', false],
    ['Off', false],
  ])('LOUPE_TEST_CLOCK=%s is %s', (raw, value) => {
    expect(loadConfig({ LOUPE_TEST_CLOCK: raw }).testClock).toBe(value);
  });

  it('names every bad variable in one error', () => {
    const error = configError(() =>
      loadConfig({ PORT: 'abc', LOUPE_TEST_CLOCK: 'maybe', DATABASE_URL: 'mysql://x', LOUPE_PLATFORM_KEY: 'short' }),
    );
    expect(error.problems).toHaveLength(4);
    for (const name of ['PORT', 'LOUPE_TEST_CLOCK', 'DATABASE_URL', 'LOUPE_PLATFORM_KEY']) {
      expect(error.problems.filter((problem) => problem.includes(name)), name).toHaveLength(1);
      expect(error.message).toContain(name);
    }
    expect(error.problems.find((problem) => problem.startsWith('PORT'))).toContain('"abc"');
    expect(error.problems.find((problem) => problem.startsWith('LOUPE_TEST_CLOCK'))).toContain('"maybe"');
    // The error must not echo a secret back into logs.
    expect(error.message).not.toContain('mysql://x');
    expect(error.name).toBe('ConfigError');
  });

  it.each([
    ['PORT', '-1'],
    ['PORT', '65536'],
    ['PORT', '80.5'],
    ['PORT', '3000abc'],
    ['LOUPE_HOLD_TTL_SECONDS', '0'],
    ['LOUPE_HOLD_TTL_SECONDS', '86401'],
    ['LOUPE_JOB_INTERVAL_MS', '99'],
    ['LOUPE_TEST_CLOCK', '2'],
    ['LOUPE_DEMO', 'please'],
    ['LOUPE_SECURE_COOKIES', 'sometimes'],
    ['LOG_LEVEL', 'verbose'],
    ['DATABASE_URL', 'localhost:5432'],
    ['LOUPE_PLATFORM_KEY', 'a key with spaces that is long enough'],
    ['LOUPE_PLATFORM_KEY', '12345678901234567890123'],
  ])('rejects %s=%s', (name, raw) => {
    const error = configError(() => loadConfig({ [name]: raw }));
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toContain(name);
  });

  it('accepts a platform key of exactly 24 characters', () => {
    expect(loadConfig({ LOUPE_PLATFORM_KEY: '123456789012345678901234' }).platformKey).toBe('123456789012345678901234');
  });
});

describe('loadPlanCatalog', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'loupe-plans-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let fileCount = 0;

  const plan = (overrides: Record<string, unknown> = {}) => ({
    id: 'basic',
    name: 'Basic',
    base_price_cents: 1_000,
    currency: 'USD',
    included_users: 3,
    included_credits: 500,
    credit_price_cents: 1,
    features: ['assistant'],
    ...overrides,
  });

  function writePlans(content: unknown): string {
    fileCount += 1;
    const file = path.join(dir, `plans-${fileCount}.json`);
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    return file;
  }

  it('loads the shipped catalog', () => {
    const catalog = loadPlanCatalog(path.join(PROJECT_ROOT, 'config', 'plans.json'));
    expect(catalog.plans.map((entry) => entry.id)).toEqual(['starter', 'team', 'business', 'enterprise']);
    expect(catalog.plans.find((entry) => entry.id === 'enterprise')?.pricedByContract).toBe(true);
    expect(catalog.plans.find((entry) => entry.id === 'starter')?.pricedByContract).toBe(false);
  });

  it('maps a good file to the catalog', () => {
    const file = writePlans({ modules: ['assistant', 'reports'], plans: [plan(), plan({ id: 'pro', name: 'Pro', features: ['assistant', 'reports'], priced_by_contract: true })] });
    expect(loadPlanCatalog(file)).toEqual({
      modules: ['assistant', 'reports'],
      plans: [
        { id: 'basic', name: 'Basic', basePriceCents: 1_000, currency: 'USD', includedUsers: 3, includedCredits: 500, creditPriceCents: 1, pricedByContract: false, features: ['assistant'] },
        { id: 'pro', name: 'Pro', basePriceCents: 1_000, currency: 'USD', includedUsers: 3, includedCredits: 500, creditPriceCents: 1, pricedByContract: true, features: ['assistant', 'reports'] },
      ],
    });
  });

  it('rejects a plan naming an unknown module', () => {
    const file = writePlans({ modules: ['assistant'], plans: [plan({ features: ['assistant', 'teleport'] })] });
    const error = configError(() => loadPlanCatalog(file));
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toContain('teleport');
    expect(error.problems[0]).toContain('basic');
  });

  it('rejects a negative price', () => {
    const file = writePlans({ modules: ['assistant'], plans: [plan({ base_price_cents: -100 })] });
    const error = configError(() => loadPlanCatalog(file));
    expect(error.problems.length).toBeGreaterThan(0);
    expect(error.problems.join('\n')).toContain('base_price_cents');
  });

  it('rejects repeated plan ids', () => {
    const file = writePlans({ modules: ['assistant'], plans: [plan(), plan({ name: 'Basic again' })] });
    const error = configError(() => loadPlanCatalog(file));
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toContain('repeat');
  });

  it('names every problem of a file at once', () => {
    const file = writePlans({
      modules: ['assistant'],
      plans: [plan({ features: ['nope'] }), plan({ features: ['assistant'] })],
    });
    const error = configError(() => loadPlanCatalog(file));
    expect(error.problems).toHaveLength(2);
  });

  it.each([
    ['a price that is not a whole number', { modules: ['assistant'], plans: [plan({ base_price_cents: 9.99 })] }, 'base_price_cents'],
    ['a lowercase currency', { modules: ['assistant'], plans: [plan({ currency: 'usd' })] }, 'currency'],
    ['zero included users', { modules: ['assistant'], plans: [plan({ included_users: 0 })] }, 'included_users'],
    ['negative included credits', { modules: ['assistant'], plans: [plan({ included_credits: -1 })] }, 'included_credits'],
    ['a free credit', { modules: ['assistant'], plans: [plan({ credit_price_cents: 0 })] }, 'credit_price_cents'],
    ['a missing name', { modules: ['assistant'], plans: [plan({ name: undefined })] }, 'name'],
    ['no plans', { modules: ['assistant'], plans: [] }, 'plans'],
    ['no modules', { modules: [], plans: [plan({ features: [] })] }, 'modules'],
    ['a bad plan id', { modules: ['assistant'], plans: [plan({ id: 'Has Spaces' })] }, 'id'],
  ])('rejects %s', (_name, content, field) => {
    const error = configError(() => loadPlanCatalog(writePlans(content)));
    expect(error.problems.join('\n')).toContain(field);
  });

  it('rejects a file that is not JSON, or is missing, naming the file', () => {
    const broken = writePlans('{ "modules": [');
    expect(configError(() => loadPlanCatalog(broken)).problems[0]).toContain(broken);
    const missing = path.join(dir, 'missing.json');
    expect(configError(() => loadPlanCatalog(missing)).problems[0]).toContain(missing);
  });
});
