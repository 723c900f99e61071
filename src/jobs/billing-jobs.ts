import type { BillingDeps } from '../billing/deps.js';
import { collectInvoice } from '../billing/collect-invoice.js';
import { invoicesDueForCollection } from '../db/invoices.js';
import { orgsDueForPurge, purgeOrgData } from '../db/purge.js';
import { forEachOrg, logOrgJobFailure, type OrgJobFailureLog } from '../billing/for-each-org.js';

const BATCH_SIZE = 100;

/**
 * Open invoices whose next attempt is due are charged to the default card. Each attempt is keyed,
 * so running this on several servers or after a crash never charges an attempt twice.
 */
export async function runInvoiceCollection(deps: BillingDeps, log: OrgJobFailureLog = logOrgJobFailure): Promise<number> {
  const due = await invoicesDueForCollection(deps.db, deps.clock.now(), BATCH_SIZE);
  const items = due.map((invoice) => ({ orgId: invoice.org_id, invoiceId: invoice.invoice_id }));
  await forEachOrg({ job: 'invoice collection', items, log }, (invoice) => collectInvoice(deps, invoice));
  return due.length;
}

/** Canceled orgs 30 days past the end of their term: their data goes, invoices stay archived. */
export async function runPurges(deps: BillingDeps, log: OrgJobFailureLog = logOrgJobFailure): Promise<number> {
  const due = await orgsDueForPurge(deps.db, deps.clock.now(), BATCH_SIZE);
  await forEachOrg({ job: 'purge', items: due.map((orgId) => ({ orgId })), log }, ({ orgId }) => purgeOrgData(deps.db, orgId, deps.clock.now()));
  return due.length;
}
