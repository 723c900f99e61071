import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import { createBuiltinProvider } from './builtin.js';
import type { PaymentProvider } from './payments.js';
import { createStripeProvider, type StripeConfig } from './stripe.js';

/** Stripe when its keys are configured, otherwise the built-in provider (no network). */
export function selectPaymentProvider(options: { stripe: StripeConfig | null; db: Db; clock: Clock }): PaymentProvider {
  if (options.stripe) return createStripeProvider({ secretKey: options.stripe.secretKey, ...(options.stripe.apiBase ? { apiBase: options.stripe.apiBase } : {}) });
  return createBuiltinProvider({ db: options.db, clock: options.clock });
}
