import { loadBook, currentPlanGrants } from '../db/ledger-store.js';
import { availableCredits, bucketCredits, heldCredits, overageHeadroom } from '../domain/ledger.js';
import { isLowBalance, lowBalanceThreshold } from '../domain/crossings.js';
import { Failure } from '../domain/failures.js';
import type { BillingDeps } from './deps.js';
import { displayAvailable } from './authorize.js';
import { maintainOrg } from './maintain-org.js';
import { termsOf } from './roll-over-periods.js';

export interface Balance {
  readonly available: number | null;
  readonly plan: { granted: number; remaining: number; expires_at: string };
  readonly purchased: { remaining: number };
  readonly promotional: { remaining: number };
  readonly held: number;
  readonly overage: { enabled: boolean; limit: number; used: number; remaining: number | null };
  readonly low_balance_threshold: number;
  readonly low_balance: boolean;
  readonly period: { start: string; end: string };
}

/** The org's balance as SPEC §4 defines it. Reads without the lock unless ledger work is due. */
export async function getBalance(deps: BillingDeps, orgId: string): Promise<Balance> {
  let loaded = await loadBook(deps.db, orgId, deps.clock.now());
  if (!loaded) throw new Failure('ORG_NOT_FOUND', `There is no organization ${orgId}.`);
  if (loaded.workDue) {
    await maintainOrg(deps, orgId);
    loaded = await loadBook(deps.db, orgId, deps.clock.now());
    if (!loaded) throw new Failure('ORG_NOT_FOUND', `There is no organization ${orgId}.`);
  }
  const { book, subscription, settings, contract } = loaded;
  const terms = termsOf(deps.catalog, subscription.plan_id, contract);
  const planGrants = await currentPlanGrants(deps.db, orgId, subscription.current_period_end);
  const threshold = lowBalanceThreshold({ setting: settings.low_balance_threshold, includedCredits: terms.includedCredits });
  const headroom = overageHeadroom(book.overage);
  return {
    available: displayAvailable(availableCredits(book)),
    plan: { granted: planGrants.granted, remaining: bucketCredits(book, 'plan'), expires_at: subscription.current_period_end.toISOString() },
    purchased: { remaining: bucketCredits(book, 'purchased') },
    promotional: { remaining: bucketCredits(book, 'promotional') },
    held: heldCredits(book),
    overage: {
      enabled: book.overage.enabled,
      limit: book.overage.limitCredits,
      used: book.overage.usedCredits,
      remaining: book.overage.limitCredits === 0 ? null : book.overage.enabled ? headroom : Math.max(0, book.overage.limitCredits - book.overage.usedCredits),
    },
    low_balance_threshold: threshold,
    // The same line, on the same balance, as the balance.low alert.
    low_balance: isLowBalance(book, threshold),
    period: { start: subscription.current_period_start.toISOString(), end: subscription.current_period_end.toISOString() },
  };
}
