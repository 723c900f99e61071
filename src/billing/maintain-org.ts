import type { BillingDeps } from './deps.js';

/** Brings one org's ledger up to date: due period rollovers, grant and hold expiries. Idempotent. */
export async function maintainOrg(deps: BillingDeps, orgId: string): Promise<void> {
  await deps.ledger.submit({ kind: 'maintain', orgId });
}
