import type { BillingDeps } from './deps.js';
import { withOrgLedger } from './org-ledger.js';

/** Brings one org's ledger up to date: due period rollovers, grant and hold expiries. Idempotent. */
export async function maintainOrg(deps: BillingDeps, orgId: string): Promise<void> {
  await withOrgLedger(deps, orgId, ({ book }) => ({ book, result: undefined }));
}
