import { useState, type ReactNode } from 'react';
import { upgradeProration } from '../../../../src/domain/proration.js';
import { formatCredits, formatDate, formatMoney } from '../../format.js';
import type { Plan } from '../../types.js';
import { ConfirmPanel, type ConfirmActions } from './ConfirmPanel.js';
import type { PeriodUnit } from './plan-terms.js';

export interface PlanChange {
  readonly plan: Plan;
  readonly current: Plan | undefined;
  /** A plan later in the catalogue: applied at once, where a downgrade waits for the period end. */
  readonly upgrade: boolean;
  /** The plan chosen is the current one: choosing it drops the scheduled change. */
  readonly undo: boolean;
  /** The subscription has ended: choosing a plan starts a new term. */
  readonly restart: boolean;
  /** The current period (ISO timestamps), which an upgrade is prorated over. */
  readonly period: { readonly start: string; readonly end: string };
  readonly unit: PeriodUnit;
}

/** "Change from Team to Business?", with when it applies and what it costs, before anything changes. */
export function ConfirmPlanChange({ change, currentName, ...actions }: ConfirmActions & { change: PlanChange; currentName: string }) {
  // The moment the dialog opened: the proration shown is the one for this moment, not one that creeps while it is read.
  const [now] = useState(() => new Date());
  return (
    <ConfirmPanel
      id="confirm-plan-heading"
      question={change.restart ? `Resubscribe to ${change.plan.name}?` : `Change from ${currentName} to ${change.plan.name}?`}
      confirm={change.restart ? { label: 'Resubscribe', pendingLabel: 'Resubscribing…' } : { label: 'Confirm change', pendingLabel: 'Changing…' }}
      keep="Back to plans"
      {...actions}
    >
      {changeExplanation(change, now)}
    </ConfirmPanel>
  );
}

function changeExplanation(change: PlanChange, now: Date): ReactNode {
  const { plan, current, upgrade, undo, restart, period, unit } = change;
  const endDate = formatDate(period.end);
  if (undo) return `This keeps you on ${plan.name} and drops the scheduled change.`;
  const price = plan.priced_by_contract ? 'priced by your contract' : `${formatMoney(plan.base_price_cents, plan.currency)} / ${unit}`;
  if (restart) {
    return `${plan.name} (${price}) starts a new term today, and its first invoice is issued at once. Your purchased credits are kept.`;
  }
  if (upgrade) {
    const more = current && !plan.priced_by_contract ? plan.included_credits - current.included_credits : 0;
    return (
      <>
        {`${plan.name} (${price}) applies at once`}
        {more > 0 ? `: this period's included AI credits rise by ${formatCredits(more)}.` : '.'} <strong>{prorationSentence(change, now)}</strong>
      </>
    );
  }
  return `${plan.name} (${price}) takes effect at the end of the current period, on ${endDate}: the new price applies from then, and nothing is added to this period's invoice. Until then you keep your current plan and its credits.`;
}

/**
 * "Adds $66.67 to your next invoice on Dec 22, 2026 (Team for the 10 days left).": the price
 * difference for the rest of the period, computed by the same function the server bills it with.
 */
function prorationSentence({ plan, current, period }: PlanChange, now: Date): string {
  const endDate = formatDate(period.end);
  if (!current || current.priced_by_contract || plan.priced_by_contract) {
    return `The price difference for the rest of the period is added to your next invoice on ${endDate}.`;
  }
  const proration = upgradeProration({
    fromPriceCents: current.base_price_cents,
    toPriceCents: plan.base_price_cents,
    period: { start: new Date(period.start), end: new Date(period.end) },
    at: now,
  });
  if (proration.amountCents === 0) return `Nothing is added to your next invoice on ${endDate} for the rest of this period.`;
  const left = proration.daysLeft === 0 ? 'the hours left' : proration.daysLeft === 1 ? 'the 1 day left' : `the ${proration.daysLeft} days left`;
  return `Adds ${formatMoney(proration.amountCents, plan.currency)} to your next invoice on ${endDate} (${plan.name} for ${left}).`;
}
