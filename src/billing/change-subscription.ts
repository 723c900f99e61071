import { findOrg, type OrgView } from '../db/orgs.js';
import { setPendingChange, setProviderSubscriptionId } from '../db/subscriptions.js';
import { countSeats } from '../identity/seats.js';
import type { PendingChange, SubscriptionRow } from '../db/schema.js';
import { findPlan, isUpgrade } from '../domain/plans.js';
import { Failure, invalidFields } from '../domain/failures.js';
import type { SubscriptionState } from '../providers/payments.js';
import type { BillingDeps } from './deps.js';
import { handleProviderEvent } from './handle-provider-event.js';
import { ensureCustomer } from './provider-customer.js';
import { maintainOrg } from './maintain-org.js';
import { termsOf } from '../ledger/rollover.js';
import { recordAudit } from '../audit/record-audit.js';

/**
 * Plan changes, cancellation and resumption (SPEC §9). Each request goes to the payment provider;
 * the org's plan, credits and features change only when the provider confirms with an event, which
 * the built-in provider delivers at once through the same handler as Stripe's webhook.
 * Upgrades apply at once; downgrades and cancellations are scheduled for the period end and can be
 * undone until then. A canceled org that resubscribes starts a new term (purchased credits kept).
 */
export async function changePlan(deps: BillingDeps, input: { orgId: string; plan: string; byOperator?: boolean }): Promise<PendingChange> {
  const view = await loadOrg(deps, input.orgId);
  const plan = findPlan(deps.catalog, input.plan);
  if (!plan) throw invalidFields({ plan: [`unknown plan "${input.plan}"`] });
  if (plan.pricedByContract && !input.byOperator) {
    throw new Failure('PLAN_NEEDS_CONTRACT', `The ${plan.name} plan is priced by contract: contact sales to move to it.`, { plan: ['is priced by contract: contact sales'] });
  }
  const { subscription } = view;
  if (subscription.status === 'canceled') {
    return requestChange(deps, 'subscription.change_requested', subscription, { orgId: input.orgId, plan: plan.id, scheduledPlan: null, cancelAtPeriodEnd: false }, { plan: plan.id });
  }
  const scheduled = subscription.scheduled_plan_id;
  if (plan.id === subscription.plan_id && scheduled === null) throw new Failure('PLAN_UNCHANGED', `The org is on the ${plan.name} plan already.`);
  const terms = termsOf(deps.catalog, plan.id, null);
  // Open invitations hold seats too: accepting one must never take an org past its plan.
  const seats = await countSeats(deps.db, { catalog: deps.catalog, orgId: input.orgId, now: deps.clock.now() });
  const taken = seats.members + seats.invitations;
  if (taken > terms.includedUsers) {
    const who = seats.invitations > 0 ? `${seats.members} members and ${seats.invitations} open invitations` : `${seats.members} members`;
    throw new Failure(
      'PLAN_USER_LIMIT',
      `The ${plan.name} plan includes ${terms.includedUsers} users and the org has ${who}; remove ${taken - terms.includedUsers} before changing plan.`,
      { plan: [`includes ${terms.includedUsers} users, the org has ${taken}`] },
    );
  }
  const desired: SubscriptionState =
    plan.id === subscription.plan_id
      ? { orgId: input.orgId, plan: subscription.plan_id, scheduledPlan: null, cancelAtPeriodEnd: subscription.cancel_at_period_end }
      : isUpgrade(deps.catalog, subscription.plan_id, plan.id)
        ? { orgId: input.orgId, plan: plan.id, scheduledPlan: null, cancelAtPeriodEnd: false }
        : { orgId: input.orgId, plan: subscription.plan_id, scheduledPlan: plan.id, cancelAtPeriodEnd: false };
  return requestChange(deps, 'subscription.change_requested', subscription, desired, { plan: plan.id });
}

export async function cancelSubscription(deps: BillingDeps, orgId: string): Promise<PendingChange> {
  const { subscription } = await loadOrg(deps, orgId);
  if (subscription.status === 'canceled' || subscription.cancel_at_period_end) {
    throw new Failure('ALREADY_CANCELED', `The subscription ends on ${(subscription.canceled_at ?? subscription.current_period_end).toISOString()} already.`);
  }
  return requestChange(deps, 'subscription.cancel_requested', subscription, { orgId, plan: subscription.plan_id, scheduledPlan: null, cancelAtPeriodEnd: true }, { cancel_at_period_end: true });
}

/** Undoes a scheduled cancellation or downgrade; on a canceled org, resubscribes to its last plan. */
export async function resumeSubscription(deps: BillingDeps, orgId: string): Promise<PendingChange> {
  const { subscription } = await loadOrg(deps, orgId);
  if (subscription.status === 'canceled') {
    return requestChange(deps, 'subscription.resume_requested', subscription, { orgId, plan: subscription.plan_id, scheduledPlan: null, cancelAtPeriodEnd: false }, { plan: subscription.plan_id });
  }
  if (!subscription.cancel_at_period_end && subscription.scheduled_plan_id === null) throw new Failure('NOTHING_TO_RESUME');
  return requestChange(deps, 'subscription.resume_requested', subscription, { orgId, plan: subscription.plan_id, scheduledPlan: null, cancelAtPeriodEnd: false }, { cancel_at_period_end: false });
}

/**
 * The subscription as it stands now: a term or period may have ended since the org's last
 * transaction, and deciding on the stale row would treat an ended term as still running.
 */
async function loadOrg(deps: BillingDeps, orgId: string): Promise<OrgView> {
  await maintainOrg(deps, orgId);
  const view = await findOrg(deps.db, orgId);
  if (!view) throw new Failure('ORG_NOT_FOUND');
  return view;
}

async function requestChange(
  deps: BillingDeps,
  action: 'subscription.change_requested' | 'subscription.cancel_requested' | 'subscription.resume_requested',
  subscription: SubscriptionRow,
  desired: SubscriptionState,
  summary: Omit<PendingChange, 'requested_at'>,
): Promise<PendingChange> {
  const pending: PendingChange = { ...summary, requested_at: deps.clock.now().toISOString() };
  const customerId = await ensureCustomer(deps, subscription.org_id);
  await deps.db.transaction().execute(async (tx) => {
    await setPendingChange(tx, subscription.org_id, pending);
    await recordAudit(tx, {
      orgId: subscription.org_id,
      action,
      target: 'subscription',
      before: { plan: subscription.plan_id, status: subscription.status, scheduled_plan: subscription.scheduled_plan_id, cancel_at_period_end: subscription.cancel_at_period_end },
      after: { plan: desired.plan, scheduled_plan: desired.scheduledPlan, cancel_at_period_end: desired.cancelAtPeriodEnd },
      now: deps.clock.now(),
    });
  });
  // A provider outage leaves the plan unchanged (the change applies only on its confirmation): 503.
  const answer = await deps.provider.requestSubscriptionChange({ customerId, subscriptionRef: subscription.provider_subscription_id, desired });
  if (answer.subscriptionRef !== subscription.provider_subscription_id) {
    await setProviderSubscriptionId(deps.db, subscription.org_id, answer.subscriptionRef);
  }
  for (const event of answer.events) await handleProviderEvent(deps, event);
  return pending;
}
