import { countAdmins, findMembership, findUser, updateMembershipRole } from '../db/identity.js';
import type { Role } from '../db/schema.js';
import { lockExistingOrg } from '../db/orgs.js';
import { Failure } from '../domain/failures.js';
import type { BillingDeps } from '../billing/deps.js';
import { recordAudit } from '../audit/record-audit.js';

/**
 * Makes a member an admin or an admin a member. The new role applies to their next request (every
 * request reads the membership). The last admin stays one, so an org always has someone who can
 * manage its billing; an unchanged role writes nothing.
 */
export async function changeMemberRole(deps: BillingDeps, input: { orgId: string; userId: string; role: Role }): Promise<{ user_id: string; role: Role }> {
  await deps.db.transaction().execute(async (tx) => {
    // The org row serialises member changes, as for adding and removing.
    await lockExistingOrg(tx, input.orgId);
    const membership = await findMembership(tx, input.orgId, input.userId);
    if (!membership) throw new Failure('MEMBER_NOT_FOUND');
    if (membership.role === input.role) return;
    if (membership.role === 'admin' && (await countAdmins(tx, input.orgId)) === 1) {
      throw new Failure('LAST_ADMIN', 'The last admin cannot become a member; make another member an admin first.');
    }
    await updateMembershipRole(tx, input);
    const user = await findUser(tx, input.userId);
    const who = { email: user?.email, name: user?.name };
    await recordAudit(tx, { orgId: input.orgId, action: 'member.role_changed', target: input.userId, before: { ...who, role: membership.role }, after: { ...who, role: input.role }, now: deps.clock.now() });
  });
  return { user_id: input.userId, role: input.role };
}
