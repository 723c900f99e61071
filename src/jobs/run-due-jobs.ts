import type { BillingDeps } from '../billing/deps.js';
import { runLedgerMaintenance } from './ledger-maintenance.js';
import { runInvoiceCollection, runPurges } from './billing-jobs.js';
import { runAutoRecharges } from '../billing/auto-recharge.js';
import { reconcilePendingPurchases } from '../billing/reconcile-payments.js';
import { dispatchEmails, dispatchWebhooks } from './dispatch-notifications.js';

/**
 * Every job, in the order time demands: rollovers (which issue invoices), collection, auto-recharge
 * purchases, purges, then the deliveries all of those may have produced.
 */
export async function runDueJobs(deps: BillingDeps): Promise<void> {
  await runLedgerMaintenance(deps);
  await runInvoiceCollection(deps);
  await reconcilePendingPurchases(deps);
  await runAutoRecharges(deps);
  await runPurges(deps);
  await dispatchEmails(deps);
  await dispatchWebhooks(deps);
}
