import { formatCredits, formatMoney } from '../../format.js';
import type { Plan } from '../../types.js';
import { ConfirmPanel, type ConfirmActions } from './ConfirmPanel.js';
import type { PeriodUnit } from './plan-terms.js';

interface PlanChange {
  readonly plan: Plan;
  readonly current: Plan | undefined;
  /** A plan later in the catalogue: applied at once, where a downgrade waits for the period end. */
  readonly upgrade: boolean;
  /** The plan chosen is the current one: choosing it drops the scheduled change. */
  readonly undo: boolean;
  readonly endDate: string;
  readonly unit: PeriodUnit;
}

/** "Change from Team to Business?", with when it applies and what it costs, before anything changes. */
export function ConfirmPlanChange({ change, currentName, ...actions }: ConfirmActions & { change: PlanChange; currentName: string }) {
  return (
    <ConfirmPanel
      id="confirm-plan-heading"
      question={`Change from ${currentName} to ${change.plan.name}?`}
      confirm={{ label: 'Confirm change', pendingLabel: 'Changing…' }}
      keep="Back to plans"
      {...actions}
    >
      {changeExplanation(change)}
    </ConfirmPanel>
  );
}

function changeExplanation({ plan, current, upgrade, undo, endDate, unit }: PlanChange): string {
  if (undo) return `This keeps you on ${plan.name} and drops the scheduled change.`;
  const price = plan.priced_by_contract ? 'priced by your contract' : `${formatMoney(plan.base_price_cents, plan.currency)} / ${unit}`;
  if (upgrade) {
    const more = current && !plan.priced_by_contract ? plan.included_credits - current.included_credits : 0;
    return (
      `${plan.name} (${price}) applies at once` +
      (more > 0 ? `: this period's included AI credits rise by ${formatCredits(more)}` : '') +
      `, and the price difference for the rest of the period is added to your next invoice.`
    );
  }
  return `${plan.name} (${price}) takes effect at the end of the current period, on ${endDate}. Until then you keep your current plan and its credits.`;
}
