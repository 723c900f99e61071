import type { Role } from '../db/schema.js';
import { countMembers } from '../db/orgs.js';
import { findUserByEmail, insertMembership, insertUser } from '../db/identity.js';
import { findPlan } from '../domain/plans.js';
import { Failure } from '../domain/failures.js';
import type { BillingDeps } from '../billing/deps.js';
import { newId } from '../billing/ids.js';
import { hashPassword } from './passwords.js';

export interface AddMemberInput {
  readonly orgId: string;
  readonly email: string;
  readonly name: string;
  readonly role: Role;
  readonly password?: string | undefined;
}

export interface MemberView {
  readonly user_id: string;
  readonly email: string;
  readonly name: string;
  readonly role: Role;
}

/** Adds a user (new or existing, by e-mail) to an org, within the plan's included users. */
export async function addMember(deps: BillingDeps, input: AddMemberInput): Promise<MemberView> {
  const passwordHash = input.password === undefined ? null : await hashPassword(input.password);
  return deps.db.transaction().execute(async (tx) => {
    // The org row serialises member changes, so two adds cannot both take the last seat.
    const org = await tx.selectFrom('orgs').select('org_id').where('org_id', '=', input.orgId).forUpdate().executeTakeFirst();
    if (!org) throw new Failure('ORG_NOT_FOUND');
    const subscription = await tx.selectFrom('subscriptions').select('plan_id').where('org_id', '=', input.orgId).executeTakeFirstOrThrow();
    const plan = findPlan(deps.catalog, subscription.plan_id);
    const members = await countMembers(tx, input.orgId);
    if (plan && members >= plan.includedUsers) {
      throw new Failure('PLAN_USER_LIMIT', `The ${plan.name} plan includes ${plan.includedUsers} users and all are taken; change the plan to add more.`);
    }
    const now = deps.clock.now();
    const existing = await findUserByEmail(tx, input.email);
    const userId = existing?.user_id ?? newId('usr');
    if (!existing) await insertUser(tx, { userId, email: input.email, name: input.name, passwordHash, now });
    const added = await insertMembership(tx, { orgId: input.orgId, userId, role: input.role, now });
    if (!added) throw new Failure('MEMBER_EXISTS', `${input.email} is a member of this organization already.`);
    return { user_id: userId, email: input.email.toLowerCase(), name: existing?.name ?? input.name, role: input.role };
  });
}
