import { preparedQuery, type Db } from './database.js';
import type { ContractTerms } from './schema.js';

/**
 * What the balance answer needs, in one indexed read without a lock: the org's cached totals (kept
 * by every ledger transaction, checked by the audit against the entries), the settings and period
 * they are read under, the plan credits granted for the period, and whether ledger work is due — a
 * period end, a grant expiry or a hold expiry that has passed (`next_due_at`, kept by every ledger
 * write) and that no transaction applied yet.
 * Purged orgs have no balance row.
 */
export interface BalanceSummary {
  readonly planCredits: number;
  readonly purchasedCredits: number;
  /** Purchased credits frozen by open card disputes (not spendable, not in purchasedCredits). */
  readonly frozenCredits: number;
  readonly promotionalCredits: number;
  readonly heldCredits: number;
  readonly overageUsedCredits: number;
  readonly overagePeriodStart: Date;
  readonly planId: string;
  readonly status: string;
  readonly periodStart: Date;
  readonly periodEnd: Date;
  readonly onDemandEnabled: boolean;
  readonly monthlyLimitCredits: number;
  readonly lowBalanceThresholdSetting: number | null;
  readonly contract: ContractTerms | null;
  readonly planGrantedCredits: number;
  readonly workDue: boolean;
}

interface SummaryRow {
  plan_credits: string;
  purchased_credits: string;
  frozen_credits: string;
  promotional_credits: string;
  held_credits: string;
  overage_used_credits: string;
  overage_period_start: Date;
  plan_id: string;
  status: string;
  current_period_start: Date;
  current_period_end: Date;
  on_demand_enabled: boolean;
  monthly_limit_credits: string;
  low_balance_threshold: string | null;
  contract: ContractTerms | null;
  plan_granted: string;
  work_due: boolean;
}

const BALANCE_SUMMARY = `
  SELECT b.plan_credits, b.purchased_credits, b.promotional_credits, b.held_credits, b.overage_used_credits, b.overage_period_start,
    s.plan_id, s.status, s.current_period_start, s.current_period_end,
    st.on_demand_enabled, st.monthly_limit_credits, st.low_balance_threshold,
    (SELECT c.terms FROM contracts c WHERE c.org_id = b.org_id) AS contract,
    (SELECT coalesce(sum(d.frozen_credits), 0) FROM disputes d WHERE d.org_id = b.org_id AND d.status = 'open') AS frozen_credits,
    (SELECT coalesce(sum(g.granted_credits), 0) FROM grants g
      WHERE g.org_id = b.org_id AND g.bucket = 'plan' AND g.expires_at = s.current_period_end) AS plan_granted,
    (b.next_due_at IS NOT NULL AND b.next_due_at <= $2) AS work_due
  FROM org_balances b
  JOIN subscriptions s ON s.org_id = b.org_id
  JOIN org_settings st ON st.org_id = b.org_id
  WHERE b.org_id = $1`;

export async function readBalanceSummary(db: Db, orgId: string, now: Date): Promise<BalanceSummary | undefined> {
  const rows = await preparedQuery<SummaryRow>(db, { name: 'balance-summary', text: BALANCE_SUMMARY, values: [orgId, now] });
  const row = rows[0];
  if (!row) return undefined;
  return {
    planCredits: Number(row.plan_credits),
    purchasedCredits: Number(row.purchased_credits),
    frozenCredits: Number(row.frozen_credits),
    promotionalCredits: Number(row.promotional_credits),
    heldCredits: Number(row.held_credits),
    overageUsedCredits: Number(row.overage_used_credits),
    overagePeriodStart: row.overage_period_start,
    planId: row.plan_id,
    status: row.status,
    periodStart: row.current_period_start,
    periodEnd: row.current_period_end,
    onDemandEnabled: row.on_demand_enabled,
    monthlyLimitCredits: Number(row.monthly_limit_credits),
    lowBalanceThresholdSetting: row.low_balance_threshold === null ? null : Number(row.low_balance_threshold),
    contract: row.contract,
    planGrantedCredits: Number(row.plan_granted),
    workDue: row.work_due,
  };
}
