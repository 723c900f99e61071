import { countAdmins, deleteMembership, deleteUserSessions, findMembership, findUser, listUserOrgs } from '../db/identity.js';
import { lockExistingOrg } from '../db/orgs.js';
import { Failure } from '../domain/failures.js';
import type { BillingDeps } from '../billing/deps.js';
import { recordAudit } from '../audit/record-audit.js';

/**
 * Removes a member, freeing their seat. Access to the org ends at once (every request checks the
 * membership); a person left in no org at all is signed out everywhere. The last admin stays, so an
 * org always has someone who can manage its billing.
 */
export async function removeMember(deps: BillingDeps, input: { orgId: string; userId: string }): Promise<void> {
  await deps.db.transaction().execute(async (tx) => {
    // The org row serialises member changes, as for adding.
    await lockExistingOrg(tx, input.orgId);
    const membership = await findMembership(tx, input.orgId, input.userId);
    if (!membership) throw new Failure('MEMBER_NOT_FOUND');
    if (membership.role === 'admin' && (await countAdmins(tx, input.orgId)) === 1) throw new Failure('LAST_ADMIN');
    await deleteMembership(tx, { orgId: input.orgId, userId: input.userId });
    const user = await findUser(tx, input.userId);
    await recordAudit(tx, { orgId: input.orgId, action: 'member.removed', target: input.userId, before: { email: user?.email, name: user?.name, role: membership.role }, now: deps.clock.now() });
    if ((await listUserOrgs(tx, input.userId)).length === 0) await deleteUserSessions(tx, { userId: input.userId, exceptSessionHash: null });
  });
}
