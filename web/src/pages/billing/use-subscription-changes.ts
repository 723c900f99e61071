import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api.js';
import { refreshAfterMoneyChange } from '../../queries.js';
import type { Org, Plan } from '../../types.js';

/** What the admin last asked for and the server accepted. */
export type SubscriptionOutcome = { action: 'change'; plan: Plan; restarted: boolean } | { action: 'cancel' } | { action: 'resume' };

/**
 * The subscription changes an admin can make (change plan, cancel, resume; on an ended subscription,
 * choosing a plan starts a new term), and the outcome of the last one. `onDone` runs when the server
 * accepted a change.
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
    mutationFn: ({ plan }: { plan: Plan; restart: boolean }) => api('POST', `/v1/orgs/${orgId}/subscription/change`, { plan: plan.id }),
    onSuccess: (_data, { plan, restart }) => succeeded({ action: 'change', plan, restarted: restart }),
    onSettled,
  });
  const cancel = useMutation({
    mutationFn: () => api('POST', `/v1/orgs/${orgId}/subscription/cancel`),
    onSuccess: () => succeeded({ action: 'cancel' }),
    onSettled,
  });
  const resume = useMutation({
    mutationFn: () => api('POST', `/v1/orgs/${orgId}/subscription/resume`),
    onSuccess: () => succeeded({ action: 'resume' }),
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
    if (outcome.restarted && subscription.status !== 'canceled') return `Your subscription is active again on ${outcome.plan.name}, with a new term.`;
    if (org.plan === outcome.plan.id && !subscription.scheduled_plan && !outcome.restarted) return `Your plan is now ${outcome.plan.name}.`;
    if (subscription.scheduled_plan === outcome.plan.id) return `Change to ${outcome.plan.name} confirmed; it takes effect at the end of the current period.`;
    return `The change to ${outcome.plan.name} was sent to the payment provider and applies once it is confirmed.`;
  }
  if (outcome.action === 'cancel') {
    return subscription.cancel_at_period_end
      ? 'Cancellation confirmed; it takes effect at the end of the current period.'
      : 'The cancellation was sent to the payment provider and applies once it is confirmed.';
  }
  return 'Your subscription continues; the scheduled change or cancellation is undone.';
}
