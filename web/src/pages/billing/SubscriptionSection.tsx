import { useState, type ReactNode } from 'react';
import { errorMessage } from '../../api.js';
import { useSession } from '../../auth.js';
import { LoadFailed, Loading } from '../../components/Status.js';
import { formatCredits, formatDate } from '../../format.js';
import { useBalance, useOrg, usePlans } from '../../queries.js';
import type { Plan } from '../../types.js';
import { ComparePlans } from './ComparePlans.js';
import { ConfirmCancellation } from './ConfirmCancellation.js';
import { ConfirmPlanChange } from './ConfirmPlanChange.js';
import { formatPeriod } from './labels.js';
import { periodUnit, planPrice, subscriptionStatusLabel } from './plan-terms.js';
import { SubscriptionNotices } from './SubscriptionNotices.js';
import { outcomeMessage, useSubscriptionChanges } from './use-subscription-changes.js';

type SubscriptionStep = { kind: 'idle' } | { kind: 'compare' } | { kind: 'confirm-plan'; plan: Plan } | { kind: 'confirm-cancel' };

/** The plan, its status and period; for admins, changing the plan, cancelling and resuming. */
export function SubscriptionSection() {
  const { orgId, isAdmin } = useSession();
  const org = useOrg(orgId);
  const plans = usePlans();
  const balance = useBalance(orgId);
  const [step, setStep] = useState<SubscriptionStep>({ kind: 'idle' });
  const changes = useSubscriptionChanges(orgId, () => setStep({ kind: 'idle' }));

  if (org.isPending || plans.isPending) {
    return (
      <SubscriptionCard>
        <Loading />
      </SubscriptionCard>
    );
  }
  if (org.isError || plans.isError) {
    return (
      <SubscriptionCard>
        <LoadFailed error={org.error ?? plans.error} what="The subscription" />
      </SubscriptionCard>
    );
  }

  const { subscription } = org.data;
  const catalog = plans.data.items;
  const current = catalog.find((plan) => plan.id === org.data.plan);
  const currentName = current?.name ?? org.data.plan;
  const unit = periodUnit(org.data);
  const canceled = subscription.status === 'canceled';
  const endDate = formatDate(subscription.current_period_end);
  const rank = (plan: Plan | undefined) => (plan ? catalog.findIndex((other) => other.id === plan.id) : -1);
  const includedCredits = current?.priced_by_contract && balance.data ? balance.data.plan.granted : current?.included_credits;
  const start = (next: SubscriptionStep) => {
    changes.reset();
    setStep(next);
  };

  return (
    <SubscriptionCard>
      <p className="plan-line">
        <strong>
          {currentName} — {current ? planPrice(current, unit) : ''}
        </strong>{' '}
        <span className={`tag${subscription.status === 'active' && !subscription.cancel_at_period_end ? ' tag-ok' : ' tag-warn'}`}>
          {subscriptionStatusLabel(subscription.status, subscription.cancel_at_period_end)}
        </span>
      </p>
      {includedCredits !== undefined && current && (
        <p className="plan-facts">
          Includes {formatCredits(includedCredits)} AI credits per {unit} and up to {formatCredits(current.included_users)} users.
        </p>
      )}
      <p className="plan-facts">
        {canceled ? 'Last period' : 'Current period'}: {formatPeriod(subscription.current_period_start, subscription.current_period_end)}
      </p>
      <SubscriptionNotices org={org.data} catalog={catalog} endDate={endDate} isAdmin={isAdmin} />

      {isAdmin && (
        <div className="row actions">
          <button
            type="button"
            className="primary"
            aria-expanded={step.kind === 'compare' || step.kind === 'confirm-plan'}
            disabled={changes.busy}
            onClick={() => start(step.kind === 'compare' ? { kind: 'idle' } : { kind: 'compare' })}
          >
            {/* An ended subscription is started again by choosing a plan, the last one or another. */}
            {canceled ? 'Choose a plan' : 'Change Plan'}
          </button>
          {(subscription.cancel_at_period_end || subscription.scheduled_plan) && !canceled && (
            <button
              type="button"
              disabled={changes.busy}
              onClick={() => {
                start({ kind: 'idle' });
                changes.resume.mutate();
              }}
            >
              {/* Undoing a scheduled downgrade keeps the plan; only a cancellation is resumed. */}
              {subscription.scheduled_plan && !subscription.cancel_at_period_end ? `Keep the ${currentName} plan` : 'Resume subscription'}
            </button>
          )}
          {!canceled && !subscription.cancel_at_period_end && (
            <button type="button" className="danger" disabled={changes.busy} onClick={() => start({ kind: 'confirm-cancel' })}>
              Cancel subscription
            </button>
          )}
        </div>
      )}

      {isAdmin && step.kind === 'compare' && (
        <ComparePlans org={org.data} catalog={catalog} onSelect={(plan) => setStep({ kind: 'confirm-plan', plan })} onClose={() => setStep({ kind: 'idle' })} />
      )}
      {isAdmin && step.kind === 'confirm-plan' && (
        <ConfirmPlanChange
          change={{
            plan: step.plan,
            current,
            upgrade: rank(step.plan) > rank(current),
            undo: !canceled && step.plan.id === org.data.plan,
            restart: canceled,
            period: { start: subscription.current_period_start, end: subscription.current_period_end },
            unit,
          }}
          currentName={currentName}
          pending={changes.change.isPending}
          onConfirm={() => changes.change.mutate({ plan: step.plan, restart: canceled })}
          onKeep={() => (changes.change.reset(), setStep({ kind: 'compare' }))}
        />
      )}
      {isAdmin && step.kind === 'confirm-cancel' && (
        <ConfirmCancellation
          endDate={endDate}
          pending={changes.cancel.isPending}
          onConfirm={() => changes.cancel.mutate()}
          onKeep={() => (changes.cancel.reset(), setStep({ kind: 'idle' }))}
        />
      )}

      {changes.outcome && !changes.error && (
        <p className="success" role="status">
          {outcomeMessage(changes.outcome, org.data)}
        </p>
      )}
      {changes.error && (
        <p className="error" role="alert">
          {errorMessage(changes.error)}
        </p>
      )}
    </SubscriptionCard>
  );
}

function SubscriptionCard({ children }: { children: ReactNode }) {
  return (
    <section className="card" aria-labelledby="subscription-heading">
      <h2 id="subscription-heading">Subscription</h2>
      {children}
    </section>
  );
}
