import { orgsWithDueLedgerWork } from '../db/orgs.js';
import type { BillingDeps } from '../billing/deps.js';
import { maintainOrg } from '../billing/maintain-org.js';
import { forEachOrg, logOrgJobFailure, type OrgJobFailureLog } from '../billing/for-each-org.js';

const BATCH_SIZE = 100;
/** Bound on one run; what is left is picked up by the next run. */
const MAX_BATCHES_PER_RUN = 100;

/**
 * Period rollovers, grant expiries and hold expiries that have come due. The due work lives in the
 * rows themselves (a period end, an expiry time), and each org's maintenance runs under its ledger
 * lock and is idempotent, so several servers may run this at once and a crash mid-run is harmless.
 * Money-moving requests apply the same maintenance first, so this job only serves idle orgs.
 * An org whose maintenance fails is logged and left due; the run pages past it to the others.
 */
export async function runLedgerMaintenance(deps: BillingDeps, log: OrgJobFailureLog = logOrgJobFailure): Promise<number> {
  let done = 0;
  let after: string | null = null;
  for (let batch = 0; batch < MAX_BATCHES_PER_RUN; batch += 1) {
    const orgIds: string[] = await orgsWithDueLedgerWork(deps.db, deps.clock.now(), BATCH_SIZE, after);
    const failed = await forEachOrg({ job: 'ledger maintenance', items: orgIds.map((orgId) => ({ orgId })), log }, ({ orgId }) => maintainOrg(deps, orgId));
    done += orgIds.length - failed.length;
    if (orgIds.length < BATCH_SIZE) break;
    after = orgIds[orgIds.length - 1] ?? null;
  }
  return done;
}
