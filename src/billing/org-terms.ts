import { findOrg, type OrgView } from '../db/orgs.js';
import { findContractTerms } from '../db/contracts.js';
import { Failure } from '../domain/failures.js';
import type { Terms } from '../domain/plans.js';
import type { BillingDeps } from './deps.js';
import { termsOf } from '../ledger/rollover.js';

/** An org with the terms it is billed on now: its plan, with its contract's overrides. */
export async function loadOrgTerms(deps: BillingDeps, orgId: string): Promise<OrgView & { terms: Terms }> {
  const view = await findOrg(deps.db, orgId);
  if (!view) throw new Failure('ORG_NOT_FOUND');
  const contract = await findContractTerms(deps.db, orgId);
  return { ...view, terms: termsOf(deps.catalog, view.subscription.plan_id, contract) };
}
