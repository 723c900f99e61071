import { orgsWithDueLedgerWork } from '../db/orgs.js';
import type { BillingDeps } from '../billing/deps.js';
import { maintainOrg } from '../billing/maintain-org.js';

const BATCH_SIZE = 100;
/** Bound on one run; what is left is picked up by the next run. */
const MAX_BATCHES_PER_RUN = 100;

/**
 * Period rollovers, grant expiries and hold expiries that have come due. The due work lives in the
 * rows themselves (a period end, an expiry time), and each org's maintenance runs under its ledger
 * lock and is idempotent, so several servers may run this at once and a crash mid-run is harmless.
 * Money-moving requests apply the same maintenance first, so this job only serves idle orgs.
 */
export async function runLedgerMaintenance(deps: BillingDeps): Promise<number> {
  let done = 0;
  for (let batch = 0; batch < MAX_BATCHES_PER_RUN; batch += 1) {
    const orgIds = await orgsWithDueLedgerWork(deps.db, deps.clock.now(), BATCH_SIZE);
    for (const orgId of orgIds) await maintainOrg(deps, orgId);
    done += orgIds.length;
    if (orgIds.length < BATCH_SIZE) break;
  }
  return done;
}
