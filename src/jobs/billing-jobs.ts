import type { BillingDeps } from '../billing/deps.js';
import { collectInvoice } from '../billing/collect-invoice.js';
import { invoicesDueForCollection } from '../db/invoices.js';
import { orgsDueForPurge, purgeOrgData } from '../db/purge.js';

const BATCH_SIZE = 100;

/**
 * Open invoices whose next attempt is due are charged to the default card. Each attempt is keyed,
 * so running this on several servers or after a crash never charges an attempt twice.
 */
export async function runInvoiceCollection(deps: BillingDeps): Promise<number> {
  const due = await invoicesDueForCollection(deps.db, deps.clock.now(), BATCH_SIZE);
  for (const invoice of due) await collectInvoice(deps, { orgId: invoice.org_id, invoiceId: invoice.invoice_id });
  return due.length;
}

/** Canceled orgs 30 days past the end of their term: their data goes, invoices stay archived. */
export async function runPurges(deps: BillingDeps): Promise<number> {
  const due = await orgsDueForPurge(deps.db, deps.clock.now(), BATCH_SIZE);
  for (const orgId of due) await purgeOrgData(deps.db, orgId, deps.clock.now());
  return due.length;
}
