import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import type { PlanCatalog } from '../domain/plans.js';
import type { PostalAddress } from '../domain/invoices.js';
import type { PaymentProvider } from '../providers/payments.js';
import type { Mailer } from '../providers/mailer.js';
import type { WebhookTargetPolicy } from '../providers/webhook-target.js';
import type { LedgerEngine } from '../ledger/engine.js';

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
  /** The ledger engine: authorize, record, release and maintenance in cycles across orgs; `transact` for the rest. */
  readonly ledger: LedgerEngine;
  /** Where webhooks may go (LOUPE_WEBHOOKS_ALLOW_PRIVATE); absent = public addresses only. */
  readonly webhookTargets?: WebhookTargetPolicy | undefined;
  /** The web app's address as people reach it (LOUPE_PUBLIC_URL), for links in e-mails. */
  readonly publicUrl?: string | undefined;
}
