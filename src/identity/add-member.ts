import type { Role } from '../db/schema.js';
import { lockOrg } from '../db/orgs.js';
import { findUserByEmail, findMembership, insertMembership, insertUser } from '../db/identity.js';
import { Failure, invalidFields } from '../domain/failures.js';
import type { BillingDeps } from '../billing/deps.js';
import { newId } from '../domain/ids.js';
import { hashPassword } from './passwords.js';
import { assertSeatFree } from './seats.js';
import { createInvitation, type InvitationView } from './invitations.js';
import { recordAudit } from '../audit/record-audit.js';

/** Who adds the member: the platform key (the trusted host app) or a signed-in org admin. */
export type Actor = { readonly kind: 'platform' } | { readonly kind: 'user'; readonly userId: string };

export interface AddMemberInput {
  readonly orgId: string;
  readonly email: string;
  readonly name: string;
  readonly role: Role;
  readonly password?: string | undefined;
  readonly actor: Actor;
}

/**
 * What adding a member did. `added`: the person is a member now (platform key only; a new account
 * without a password is e-mailed an invitation to choose one); `invited`: an invitation was e-mailed
 * and the person joins when they accept it, choosing their own password. `existing_account` says the
 * e-mail had an account already, whose password and name stay theirs.
 */
export interface AddMemberResult {
  readonly status: 'added' | 'invited';
  readonly user_id: string | null;
  readonly email: string;
  readonly name: string;
  readonly role: Role;
  readonly existing_account: boolean;
  readonly password_set: boolean;
  readonly invitation: InvitationView | null;
}

/**
 * Only the platform key (the trusted host app) provisions accounts and passwords; it adds at once.
 * An org admin never sets, learns or resets another person's password, nor sees the name another
 * tenant knows them by: whatever the admin sends, the answer is an invitation. Every seat (member or
 * open invitation) counts against the users of the terms in force and of a scheduled downgrade,
 * checked with the org row locked in the insert's transaction.
 */
export async function addMember(deps: BillingDeps, input: AddMemberInput): Promise<AddMemberResult> {
  if (input.actor.kind === 'user' && input.password !== undefined) {
    throw invalidFields({ password: ['only the host app can set a password; the person you invite chooses their own when accepting'] });
  }
  const email = input.email.toLowerCase();
  const passwordHash = input.actor.kind === 'platform' && input.password !== undefined ? await hashPassword(input.password) : null;
  return deps.db.transaction().execute(async (tx) => {
    // The org row serialises member changes, so two adds cannot both take the last seat.
    const org = await lockOrg(tx, input.orgId);
    if (!org) throw new Failure('ORG_NOT_FOUND');
    const now = deps.clock.now();
    const existing = await findUserByEmail(tx, email);
    if (existing && (await findMembership(tx, input.orgId, existing.user_id))) {
      throw new Failure('MEMBER_EXISTS', `${email} is a member of this organization already.`);
    }
    if (input.actor.kind === 'user') {
      const invitation = await createInvitation(tx, deps, { orgId: input.orgId, orgName: org.name, email, name: input.name, role: input.role, actor: input.actor, existingAccount: existing !== undefined, reserveSeat: true, now });
      await recordAudit(tx, { orgId: input.orgId, action: 'invitation.created', target: invitation.id, after: { email, name: input.name, role: input.role }, now });
      return { status: 'invited', user_id: null, email, name: input.name, role: input.role, existing_account: existing !== undefined, password_set: false, invitation };
    }
    await assertSeatFree(tx, { catalog: deps.catalog, orgId: input.orgId, now });
    const userId = existing?.user_id ?? newId('usr');
    if (!existing) await insertUser(tx, { userId, email, name: input.name, passwordHash, now });
    await insertMembership(tx, { orgId: input.orgId, userId, role: input.role, now });
    await recordAudit(tx, { orgId: input.orgId, action: 'member.added', target: userId, after: { email, name: input.name, role: input.role }, now });
    // A new account without a password gets an e-mail to choose one (the member's seat is theirs already).
    const invitation =
      !existing && passwordHash === null
        ? await createInvitation(tx, deps, { orgId: input.orgId, orgName: org.name, email, name: input.name, role: input.role, actor: input.actor, existingAccount: false, reserveSeat: false, now })
        : null;
    return {
      status: 'added',
      user_id: userId,
      email,
      name: existing?.name ?? input.name,
      role: input.role,
      existing_account: existing !== undefined,
      password_set: existing === undefined && passwordHash !== null,
      invitation,
    };
  });
}
