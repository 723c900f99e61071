import type { BillingDeps } from './deps.js';
import type { ReleaseResult } from '../ledger/requests.js';

/** Gives a hold's reserved credits back. Releasing a hold that is already closed changes nothing. */
export function releaseHold(deps: BillingDeps, input: { orgId: string; holdId: string }): Promise<ReleaseResult> {
  return deps.ledger.submit({ kind: 'release', orgId: input.orgId, holdId: input.holdId });
}
