import { DEFAULT_ENGINE_LIMITS } from './ledger/engine.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { Plan, PlanCatalog } from './domain/plans.js';
import type { PostalAddress } from './domain/invoices.js';
import { stripeConfigFromEnv, type StripeConfig } from './providers/stripe.js';

/** The project's root folder, from src/ when run by tsx or vitest and from dist/ when built. */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
  readonly platformKey: string | undefined;
  readonly testClock: boolean;
  /** LOUPE_DEMO=1: `start` seeds the demo org (published logins) into an empty DATABASE_URL too, not only the embedded database. */
  readonly demo: boolean;
  readonly plansFile: string;
  readonly logLevel: string;
  readonly holdTtlSeconds: number;
  readonly jobIntervalMs: number;
  readonly secureCookies: boolean;
  readonly seller: PostalAddress;
  /** Stripe keys (STRIPE_SECRET_KEY + STRIPE_WEBHOOK_SECRET); null = the built-in provider. */
  readonly stripe: StripeConfig | null;
  /** SMTP_URL: where e-mail goes; without it e-mails are kept in the database. */
  readonly smtpUrl: string | undefined;
  readonly mailFrom: string;
  /** STRIPE_PUBLISHABLE_KEY: lets the web app collect cards with Stripe Elements. */
  readonly stripePublishableKey: string | undefined;
  /** LOUPE_GROUP_COMMIT=0 turns batching of ledger writes off (the benchmark's naive mode). */
  readonly groupCommit: boolean;
  /** LOUPE_LEDGER_CYCLES_IN_FLIGHT: ledger cycles running at once (1 or 2; docs/performance.md). */
  readonly cyclesInFlight: number;
  /** LOUPE_LEDGER_CYCLE_REQUESTS: the most requests one ledger cycle applies (docs/performance.md). */
  readonly cycleRequests: number;
  /** LOUPE_ENGINE_PROFILE=1: the ledger engine prints where its cycles' time goes. */
  readonly engineProfile: boolean;
  /** LOUPE_WEBHOOKS_ALLOW_PRIVATE=1 lets webhooks go to loopback and private addresses (local development only). */
  readonly webhooksAllowPrivate: boolean;
  /** LOUPE_RATE_LIMIT_PER_MINUTE: requests a minute per signed-in user, or per address for callers without a valid credential. */
  readonly rateLimitPerMinute: number;
  /** LOUPE_PLATFORM_RATE_LIMIT_PER_MINUTE: requests a minute per platform key. */
  readonly platformRateLimitPerMinute: number;
  /** LOUPE_PUBLIC_URL: the web app's address as people reach it, for links in e-mails. */
  readonly publicUrl: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Reads the configuration from the environment; every bad variable is named in one error. */
export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return value;
  };
  const flag = (name: string, fallback: boolean): boolean => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
    if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
    problems.push(`${name} must be 1 or 0, got "${raw}"`);
    return fallback;
  };
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push('DATABASE_URL must be a postgres:// or postgresql:// URL');
  }
  const platformKey = env.LOUPE_PLATFORM_KEY || undefined;
  if (platformKey !== undefined && (platformKey.length < 24 || /\s/.test(platformKey))) {
    problems.push('LOUPE_PLATFORM_KEY must be at least 24 characters without spaces');
  }
  const sellerCountry = (env.LOUPE_SELLER_COUNTRY || 'US').toUpperCase();
  if (!/^[A-Z]{2}$/.test(sellerCountry)) problems.push(`LOUPE_SELLER_COUNTRY must be an ISO 3166-1 alpha-2 code, got "${env.LOUPE_SELLER_COUNTRY}"`);
  let stripe: StripeConfig | null = null;
  try {
    stripe = stripeConfigFromEnv(env);
  } catch (error) {
    problems.push((error as Error).message);
  }
  const smtpUrl = env.SMTP_URL || undefined;
  if (smtpUrl !== undefined && !/^smtps?:\/\//.test(smtpUrl)) problems.push('SMTP_URL must be an smtp:// or smtps:// URL');
  const publicUrl = (env.LOUPE_PUBLIC_URL || `http://${env.HOST || '127.0.0.1'}:${env.PORT || 3000}`).replace(/\/+$/, '');
  if (!/^https?:\/\/[^/?#]+$/.test(publicUrl)) problems.push(`LOUPE_PUBLIC_URL must be an http:// or https:// address without a path, got "${env.LOUPE_PUBLIC_URL}"`);
  const logLevel = env.LOG_LEVEL || 'info';
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  const config: Config = {
    port: integer('PORT', 3000, 0, 65_535),
    host: env.HOST || '127.0.0.1',
    dataDir: path.resolve(env.LOUPE_DATA_DIR || '.data'),
    databaseUrl,
    platformKey,
    testClock: flag('LOUPE_TEST_CLOCK', false),
    demo: flag('LOUPE_DEMO', false),
    plansFile: path.resolve(env.LOUPE_PLANS_FILE || path.join(PROJECT_ROOT, 'config', 'plans.json')),
    logLevel,
    holdTtlSeconds: integer('LOUPE_HOLD_TTL_SECONDS', 600, 1, 86_400),
    jobIntervalMs: integer('LOUPE_JOB_INTERVAL_MS', 5_000, 100, 3_600_000),
    secureCookies: flag('LOUPE_SECURE_COOKIES', false),
    seller: {
      name: env.LOUPE_SELLER_NAME || 'Loupe Factory, Inc.',
      country: sellerCountry,
      region: env.LOUPE_SELLER_REGION || (sellerCountry === 'US' ? 'CA' : undefined),
      line1: env.LOUPE_SELLER_LINE1 || '548 Market St',
      city: env.LOUPE_SELLER_CITY || 'San Francisco',
      postal_code: env.LOUPE_SELLER_POSTAL_CODE || '94104',
      vat_id: env.LOUPE_SELLER_VAT_ID || null,
    },
    stripe,
    smtpUrl,
    mailFrom: env.LOUPE_MAIL_FROM || 'Loupe Billing <billing@loupe-factory.example>',
    stripePublishableKey: env.STRIPE_PUBLISHABLE_KEY || undefined,
    groupCommit: flag('LOUPE_GROUP_COMMIT', true),
    cyclesInFlight: integer('LOUPE_LEDGER_CYCLES_IN_FLIGHT', 1, 1, 2),
    cycleRequests: integer('LOUPE_LEDGER_CYCLE_REQUESTS', DEFAULT_ENGINE_LIMITS.maxCycleRequests, 1, 20_000),
    engineProfile: flag('LOUPE_ENGINE_PROFILE', false),
    webhooksAllowPrivate: flag('LOUPE_WEBHOOKS_ALLOW_PRIVATE', false),
    rateLimitPerMinute: integer('LOUPE_RATE_LIMIT_PER_MINUTE', 600, 10, 100_000_000),
    platformRateLimitPerMinute: integer('LOUPE_PLATFORM_RATE_LIMIT_PER_MINUTE', 600_000, 10, 100_000_000),
    publicUrl,
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

const PlanFileSchema = Type.Object({
  modules: Type.Array(Type.String({ pattern: '^[a-z][a-z0-9_-]{0,39}$' }), { minItems: 1, maxItems: 50 }),
  plans: Type.Array(
    Type.Object({
      id: Type.String({ pattern: '^[a-z][a-z0-9_-]{0,39}$' }),
      name: Type.String({ minLength: 1 }),
      base_price_cents: Type.Integer({ minimum: 0 }),
      currency: Type.String({ pattern: '^[A-Z]{3}$' }),
      included_users: Type.Integer({ minimum: 1 }),
      included_credits: Type.Integer({ minimum: 0 }),
      credit_price_cents: Type.Integer({ minimum: 1 }),
      priced_by_contract: Type.Optional(Type.Boolean()),
      features: Type.Array(Type.String()),
    }),
    { minItems: 1 },
  ),
});

/** Loads and checks the plan catalog file (see config/plans.json). */
export function loadPlanCatalog(file: string): PlanCatalog {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError([`plan catalog ${file} cannot be read: ${(error as Error).message}`]);
  }
  const problems = [...Value.Errors(PlanFileSchema, parsed)].map((error) => `${file}${error.path}: ${error.message}`);
  if (problems.length > 0) throw new ConfigError(problems);
  const catalog = parsed as Static<typeof PlanFileSchema>;
  for (const plan of catalog.plans) {
    const unknown = plan.features.filter((feature) => !catalog.modules.includes(feature));
    if (unknown.length > 0) problems.push(`${file}: plan ${plan.id} names unknown modules ${unknown.join(', ')}`);
  }
  if (new Set(catalog.plans.map((plan) => plan.id)).size !== catalog.plans.length) problems.push(`${file}: plan ids repeat`);
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    modules: catalog.modules,
    plans: catalog.plans.map(
      (plan): Plan => ({
        id: plan.id,
        name: plan.name,
        basePriceCents: plan.base_price_cents,
        currency: plan.currency,
        includedUsers: plan.included_users,
        includedCredits: plan.included_credits,
        creditPriceCents: plan.credit_price_cents,
        pricedByContract: plan.priced_by_contract ?? false,
        features: plan.features,
      }),
    ),
  };
}
