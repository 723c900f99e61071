import { formatMoney } from '../../format.js';
import type { Org, Plan } from '../../types.js';

export type PeriodUnit = 'month' | 'year';

/** A period longer than ~3 months is a yearly contract term. */
export function periodUnit(org: Org): PeriodUnit {
  const days = (Date.parse(org.subscription.current_period_end) - Date.parse(org.subscription.current_period_start)) / 86_400_000;
  return days > 100 ? 'year' : 'month';
}

export function planPrice(plan: Plan, unit: PeriodUnit = 'month'): string {
  if (plan.priced_by_contract) return 'Priced by contract';
  return `${formatMoney(plan.base_price_cents, plan.currency)} / ${unit}`;
}

export function subscriptionStatusLabel(status: string, cancelAtPeriodEnd: boolean): string {
  if (status === 'active') return cancelAtPeriodEnd ? 'Active until period end' : 'Active';
  if (status === 'past_due') return 'Past due';
  if (status === 'canceled') return 'Canceled';
  return status.replace(/_/g, ' ');
}
