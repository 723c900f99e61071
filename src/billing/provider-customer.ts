import { listMembers } from '../db/identity.js';
import { findOrgCustomer, setOrgCustomer } from '../db/orgs.js';
import { Failure } from '../domain/failures.js';
import type { BillingDeps } from './deps.js';

/** The org's customer at the payment provider, created on first need. */
export async function ensureCustomer(deps: BillingDeps, orgId: string): Promise<string> {
  const org = await findOrgCustomer(deps.db, orgId);
  if (!org) throw new Failure('ORG_NOT_FOUND');
  if (org.provider_customer_id) return org.provider_customer_id;
  const admin = (await listMembers(deps.db, orgId)).find((member) => member.role === 'admin');
  const customerId = await deps.provider.createCustomer({ orgId, name: org.name, email: admin?.email ?? null });
  await setOrgCustomer(deps.db, orgId, customerId);
  return customerId;
}
