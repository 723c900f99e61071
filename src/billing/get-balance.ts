import { readBalanceSummary, type BalanceSummary } from '../db/balances.js';
import { availableFromTotals, denialFor, displayAvailable, overageHeadroom, type OverageState } from '../domain/ledger.js';
import { isBelowLowBalanceLine, lowBalanceThreshold } from '../domain/crossings.js';
import { Failure } from '../domain/failures.js';
import type { BillingDeps } from './deps.js';
import { maintainOrg } from './maintain-org.js';
import { termsOf } from '../ledger/rollover.js';
import { sharedReads } from './shared-reads.js';

export interface Balance {
  readonly available: number | null;
  readonly plan: { granted: number; remaining: number; expires_at: string };
  /** frozen: credits of purchases whose charge is disputed, out of use until the bank decides. */
  readonly purchased: { remaining: number; frozen: number };
  readonly promotional: { remaining: number };
  readonly held: number;
  readonly overage: { enabled: boolean; limit: number; used: number; remaining: number | null };
  readonly low_balance_threshold: number;
  readonly low_balance: boolean;
  readonly period: { start: string; end: string };
  /** Why a new AI action would be refused now (null: they run), as authorize would answer. */
  readonly ai_stopped: 'SUBSCRIPTION_INACTIVE' | 'CREDITS_EXHAUSTED' | 'OVERAGE_LIMIT_REACHED' | null;
}

const readsByDeps = new WeakMap<BillingDeps, (orgId: string, read: () => Promise<Balance>) => Promise<Balance>>();

/**
 * The org's balance as SPEC §4 defines it, from its cached totals in one indexed read without a
 * lock; when ledger work is due (a period end or an expiry passed unapplied) it is applied first.
 * Concurrent reads of one org share their queries (shared-reads.ts).
 */
export function getBalance(deps: BillingDeps, orgId: string): Promise<Balance> {
  let shared = readsByDeps.get(deps);
  if (!shared) {
    shared = sharedReads<Balance>();
    readsByDeps.set(deps, shared);
  }
  return shared(orgId, () => readBalance(deps, orgId));
}

async function readBalance(deps: BillingDeps, orgId: string): Promise<Balance> {
  let summary = await readBalanceSummary(deps.db, orgId, deps.clock.now());
  if (!summary) throw new Failure('ORG_NOT_FOUND', `There is no organization ${orgId}.`);
  if (summary.workDue) {
    await maintainOrg(deps, orgId);
    summary = await readBalanceSummary(deps.db, orgId, deps.clock.now());
    if (!summary) throw new Failure('ORG_NOT_FOUND', `There is no organization ${orgId}.`);
  }
  return balanceFrom(deps, summary);
}

function balanceFrom(deps: BillingDeps, summary: BalanceSummary): Balance {
  const terms = termsOf(deps.catalog, summary.planId, summary.contract);
  const threshold = lowBalanceThreshold({ setting: summary.lowBalanceThresholdSetting, includedCredits: terms.includedCredits });
  const overage: OverageState = {
    // An ended term has no next invoice to bill overage on (as in the loaded book).
    enabled: summary.onDemandEnabled && summary.status !== 'canceled',
    limitCredits: summary.monthlyLimitCredits,
    usedCredits: summary.overageUsedCredits,
    periodStart: summary.overagePeriodStart,
  };
  const prepaidCredits = summary.planCredits + summary.purchasedCredits + summary.promotionalCredits;
  const headroom = overageHeadroom(overage);
  const available = availableFromTotals({ prepaidCredits, heldCredits: summary.heldCredits, overage });
  return {
    available: displayAvailable(available),
    plan: { granted: summary.planGrantedCredits, remaining: summary.planCredits, expires_at: summary.periodEnd.toISOString() },
    purchased: { remaining: summary.purchasedCredits, frozen: summary.frozenCredits },
    promotional: { remaining: summary.promotionalCredits },
    held: summary.heldCredits,
    overage: {
      enabled: overage.enabled,
      limit: overage.limitCredits,
      used: overage.usedCredits,
      remaining: overage.limitCredits === 0 ? null : overage.enabled ? headroom : Math.max(0, overage.limitCredits - overage.usedCredits),
    },
    low_balance_threshold: threshold,
    // The same line, on the same remaining credits, as the balance.low alert.
    low_balance: isBelowLowBalanceLine(prepaidCredits, threshold),
    period: { start: summary.periodStart.toISOString(), end: summary.periodEnd.toISOString() },
    ai_stopped: summary.status === 'canceled' ? 'SUBSCRIPTION_INACTIVE' : denialFor({ available, credits: 1, overageEnabled: overage.enabled }),
  };
}
