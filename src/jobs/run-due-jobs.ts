import type { BillingDeps } from '../billing/deps.js';
import { runLedgerMaintenance } from './ledger-maintenance.js';
import { runInvoiceCollection, runPurges } from './billing-jobs.js';

/** Every job, in the order time demands: rollovers (which issue invoices), collection, purges. */
export async function runDueJobs(deps: BillingDeps): Promise<void> {
  await runLedgerMaintenance(deps);
  await runInvoiceCollection(deps);
  await runPurges(deps);
}
