import { describe, expect, it } from 'vitest';
import { stripeConfigFromEnv } from '../src/providers/stripe.js';

/** STRIPE_* variables: both keys or none, the right kinds of key, a bare http(s) origin for the API base. */
describe('stripeConfigFromEnv', () => {
  const keys = { STRIPE_SECRET_KEY: 'sk_test_abc', STRIPE_WEBHOOK_SECRET: 'whsec_abc' };

  it('is null when neither key is set (the built-in provider is used)', () => {
    expect(stripeConfigFromEnv({})).toBeNull();
    expect(stripeConfigFromEnv({ STRIPE_SECRET_KEY: '', STRIPE_WEBHOOK_SECRET: '' })).toBeNull();
  });

  it('reads both keys', () => {
    expect(stripeConfigFromEnv(keys)).toEqual({ secretKey: 'sk_test_abc', webhookSecret: 'whsec_abc' });
  });

  it('names the missing key when only one is set', () => {
    expect(() => stripeConfigFromEnv({ STRIPE_SECRET_KEY: 'sk_test_abc' })).toThrow(/STRIPE_WEBHOOK_SECRET is missing/);
    expect(() => stripeConfigFromEnv({ STRIPE_WEBHOOK_SECRET: 'whsec_abc' })).toThrow(/STRIPE_SECRET_KEY is missing/);
  });

  it('refuses a publishable key or a non-webhook secret', () => {
    expect(() => stripeConfigFromEnv({ ...keys, STRIPE_SECRET_KEY: 'pk_test_abc' })).toThrow(/STRIPE_SECRET_KEY/);
    expect(() => stripeConfigFromEnv({ ...keys, STRIPE_WEBHOOK_SECRET: 'sk_test_abc' })).toThrow(/STRIPE_WEBHOOK_SECRET/);
  });

  it('parses STRIPE_API_BASE into host, port and protocol', () => {
    expect(stripeConfigFromEnv({ ...keys, STRIPE_API_BASE: 'http://127.0.0.1:12111' })?.apiBase).toEqual({ host: '127.0.0.1', port: 12111, protocol: 'http' });
    expect(stripeConfigFromEnv({ ...keys, STRIPE_API_BASE: 'https://stripe.internal' })?.apiBase).toEqual({ host: 'stripe.internal', port: 443, protocol: 'https' });
  });

  it('refuses a STRIPE_API_BASE that is not a bare http(s) origin, or one without keys', () => {
    expect(() => stripeConfigFromEnv({ ...keys, STRIPE_API_BASE: 'not a url' })).toThrow(/STRIPE_API_BASE/);
    expect(() => stripeConfigFromEnv({ ...keys, STRIPE_API_BASE: 'ftp://127.0.0.1:21' })).toThrow(/STRIPE_API_BASE/);
    expect(() => stripeConfigFromEnv({ ...keys, STRIPE_API_BASE: 'http://127.0.0.1:12111/v1' })).toThrow(/STRIPE_API_BASE/);
    expect(() => stripeConfigFromEnv({ STRIPE_API_BASE: 'http://127.0.0.1:12111' })).toThrow(/STRIPE_API_BASE/);
  });
});
