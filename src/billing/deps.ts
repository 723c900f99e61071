import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import type { PlanCatalog } from '../domain/plans.js';
import type { PostalAddress } from '../domain/invoices.js';
import type { PaymentProvider } from '../providers/payments.js';
import type { Mailer } from '../providers/mailer.js';
import type { LedgerBatcher } from './ledger-batcher.js';

/**
 * What every use case is handed: the database, the one clock, the plan catalog, the payment
 * provider, the seller printed on invoices, and the limits.
 */
export interface BillingDeps {
  readonly db: Db;
  readonly clock: Clock;
  readonly catalog: PlanCatalog;
  readonly holdTtlSeconds: number;
  readonly provider: PaymentProvider;
  readonly seller: PostalAddress;
  /** Null without SMTP_URL: e-mails are then kept in the database and shown in the app. */
  readonly mailer: Mailer | null;
  /** Where authorize, record and release go: batched per org (group commit) unless turned off. */
  readonly ledger: LedgerBatcher;
}
