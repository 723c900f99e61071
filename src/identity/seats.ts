import type { Db } from '../db/database.js';
import { countMembers } from '../db/identity.js';
import { countPendingInvitations } from '../db/invitations.js';
import { findContractTerms } from '../db/contracts.js';
import { findSubscription } from '../db/subscriptions.js';
import { Failure } from '../domain/failures.js';
import { effectiveTerms, findPlan, type PlanCatalog } from '../domain/plans.js';
import { assertInvariant } from '../domain/assert.js';

/**
 * Seats: every member and every open invitation takes one. The limit is the smaller of the terms in
 * force (the plan with its contract's `included_users`) and those of a scheduled downgrade, so an org
 * cannot schedule a smaller plan and then fill the seats it is about to lose.
 */
export interface SeatCount {
  readonly members: number;
  readonly invitations: number;
  readonly limit: number;
  /** The plan whose limit binds, for the message. */
  readonly limitingPlanName: string;
}

export async function countSeats(tx: Db, input: { catalog: PlanCatalog; orgId: string; now: Date }): Promise<SeatCount> {
  const subscription = await findSubscription(tx, input.orgId);
  const contract = await findContractTerms(tx, input.orgId);
  const plan = findPlan(input.catalog, subscription.plan_id);
  assertInvariant(plan !== undefined, `unknown plan ${subscription.plan_id}`);
  const inForce = effectiveTerms(plan, contract);
  const scheduledPlan = subscription.scheduled_plan_id === null ? undefined : findPlan(input.catalog, subscription.scheduled_plan_id);
  const scheduled = scheduledPlan ? effectiveTerms(scheduledPlan, contract) : null;
  const binding = scheduled && scheduled.includedUsers < inForce.includedUsers ? scheduled : inForce;
  return {
    members: await countMembers(tx, input.orgId),
    invitations: await countPendingInvitations(tx, input.orgId, input.now),
    limit: binding.includedUsers,
    limitingPlanName: binding.planName,
  };
}

/** Refuses one more seat when all are taken. Call it with the org row locked, in the insert's transaction. */
export async function assertSeatFree(tx: Db, input: { catalog: PlanCatalog; orgId: string; now: Date; reservedByThis?: boolean }): Promise<void> {
  const seats = await countSeats(tx, input);
  // Accepting an invitation fills the seat the invitation held.
  const taken = seats.members + seats.invitations - (input.reservedByThis ? 1 : 0);
  if (taken < seats.limit) return;
  const invitations = seats.invitations - (input.reservedByThis ? 1 : 0);
  throw new Failure(
    'PLAN_USER_LIMIT',
    `The ${seats.limitingPlanName} plan includes ${seats.limit} users and ${seats.members} members${invitations > 0 ? ` and ${invitations} open invitations` : ''} take them all; change the plan or withdraw an invitation to add more.`,
  );
}
