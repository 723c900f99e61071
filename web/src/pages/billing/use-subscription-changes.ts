import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api.js';
import { refreshAfterMoneyChange } from '../../queries.js';
import type { Org, Plan } from '../../types.js';

/** What the admin last asked for and the server accepted. */
export type SubscriptionOutcome = { action: 'change'; plan: Plan } | { action: 'cancel' } | { action: 'resume'; restarted: boolean };

/**
 * The subscription changes an admin can make (change plan, cancel, resume), and the outcome of the
 * last one. `onDone` runs when the server accepted a change.
 */
export function useSubscriptionChanges(orgId: string, onDone: () => void) {
  const queryClient = useQueryClient();
  const [outcome, setOutcome] = useState<SubscriptionOutcome | null>(null);
  const succeeded = (done: SubscriptionOutcome) => {
    setOutcome(done);
    onDone();
  };
  const onSettled = () => refreshAfterMoneyChange(queryClient, orgId);

  const change = useMutation({
    mutationFn: (plan: Plan) => api('POST', `/v1/orgs/${orgId}/subscription/change`, { plan: plan.id }),
    onSuccess: (_data, plan) => succeeded({ action: 'change', plan }),
    onSettled,
  });
  const cancel = useMutation({
    mutationFn: () => api('POST', `/v1/orgs/${orgId}/subscription/cancel`),
    onSuccess: () => succeeded({ action: 'cancel' }),
    onSettled,
  });
  const resume = useMutation({
    mutationFn: (_restart: boolean) => api('POST', `/v1/orgs/${orgId}/subscription/resume`),
    onSuccess: (_data, restarted) => succeeded({ action: 'resume', restarted }),
    onSettled,
  });

  return {
    change,
    cancel,
    resume,
    outcome,
    busy: change.isPending || cancel.isPending || resume.isPending,
    error: change.error ?? cancel.error ?? resume.error,
    /** Forget the last outcome and error, before the admin starts something else. */
    reset() {
      change.reset();
      cancel.reset();
      resume.reset();
      setOutcome(null);
    },
  };
}

/**
 * The sentence for an accepted change, by what the org now says: applied, scheduled for the period
 * end, or still waiting for the payment provider to confirm it.
 */
export function outcomeMessage(outcome: SubscriptionOutcome, org: Org): string {
  const { subscription } = org;
  if (outcome.action === 'change') {
    if (org.plan === outcome.plan.id && !subscription.scheduled_plan) return `Your plan is now ${outcome.plan.name}.`;
    if (subscription.scheduled_plan === outcome.plan.id) return `Change to ${outcome.plan.name} confirmed; it takes effect at the end of the current period.`;
    return `The change to ${outcome.plan.name} was sent to the payment provider and applies once it is confirmed.`;
  }
  if (outcome.action === 'cancel') {
    return subscription.cancel_at_period_end
      ? 'Cancellation confirmed; it takes effect at the end of the current period.'
      : 'The cancellation was sent to the payment provider and applies once it is confirmed.';
  }
  return outcome.restarted ? 'Your subscription is active again with a new term.' : 'Your subscription continues; the scheduled change or cancellation is undone.';
}
