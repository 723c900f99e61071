import type { BillingDeps } from './deps.js';
import type { LedgerWorkFunction } from '../ledger/org-transaction.js';

/**
 * A money-moving use case with writes of its own, for one org, in its own transaction under the
 * org's lock (ledger/org-transaction.ts); its follow-ups (events, period invoices) run after the commit.
 */
export function withOrgLedger<T>(deps: BillingDeps, orgId: string, work: LedgerWorkFunction<T>): Promise<T> {
  return deps.ledger.transact(orgId, work);
}
