import type { BillingAddress } from '../db/schema.js';
import { findOrg, updateOrgProfile, type OrgView } from '../db/orgs.js';
import { Failure } from '../domain/failures.js';
import type { BillingDeps } from './deps.js';
import { checkBillingAddress } from './create-org.js';

/** Name, billing address and VAT ID; the address decides the tax on every later invoice. */
export async function updateOrg(
  deps: BillingDeps,
  input: { orgId: string; name?: string | undefined; billingAddress?: BillingAddress | undefined; vatId?: string | null | undefined },
): Promise<OrgView> {
  if (input.billingAddress) checkBillingAddress(input.billingAddress);
  await updateOrgProfile(deps.db, input.orgId, input);
  const view = await findOrg(deps.db, input.orgId);
  if (!view) throw new Failure('ORG_NOT_FOUND');
  return view;
}
