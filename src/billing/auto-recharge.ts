import { claimDueRecharges, finishRecharge, pauseAutoRecharge } from '../db/auto-recharges.js';
import { publishEvent } from '../notifications/publish.js';
import { Failure } from '../domain/failures.js';
import { forEachOrg, logOrgJobFailure } from './for-each-org.js';
import type { BillingDeps } from './deps.js';
import { purchaseCredits } from './purchase-credits.js';

/**
 * Auto-recharge (beyond the help page; Lago, Orb and Metronome offer it): when the org's credits
 * fall below T, buy N credits with the default card. The ledger cycle that crossed the line writes
 * the request (ledger/kernel.ts), so there is at most one purchase per crossing whatever the
 * concurrency; the purchase itself runs here, later, outside any lock, with the request's id as its key.
 */
const LEASE_MS = 60_000;
const BATCH_SIZE = 50;

/**
 * Buys the credits of each pending request. Only the card's decline pauses auto-recharge and tells the
 * admins; a purchase the rules refuse (no card, a subscription that ended) ends the request without
 * pausing; anything else (the database, an invariant) is a fault: logged, and the request is tried
 * again once its lease runs out.
 */
export async function runAutoRecharges(deps: BillingDeps): Promise<number> {
  const now = deps.clock.now();
  const claimed = await deps.db.transaction().execute((tx) => claimDueRecharges(tx, { now, leaseUntil: new Date(now.getTime() + LEASE_MS), limit: BATCH_SIZE }));
  await forEachOrg({ job: 'auto-recharge', items: claimed.map((request) => ({ ...request, orgId: request.org_id })), log: logOrgJobFailure }, (request) => rechargeOnce(deps, request));
  return claimed.length;
}

async function rechargeOnce(deps: BillingDeps, request: { org_id: string; recharge_id: string; credits: number }): Promise<void> {
  let status: 'succeeded' | 'failed' = 'failed';
  let failureCode: string | null = null;
  let purchaseId: string | null = null;
  try {
    const { purchase } = await purchaseCredits(deps, { orgId: request.org_id, credits: request.credits, idempotencyKey: `auto-recharge:${request.recharge_id}`, autoRecharge: true });
    purchaseId = purchase.id;
    if (purchase.status === 'pending') return;
    status = purchase.status;
    failureCode = purchase.failure_code;
  } catch (error) {
    // A fault is not the card's answer: let the job log it and try again.
    if (!(error instanceof Failure)) throw error;
    failureCode = error.code;
  }
  const declined = status === 'failed' && purchaseId !== null;
  await deps.db.transaction().execute(async (tx) => {
    const now = deps.clock.now();
    await finishRecharge(tx, { orgId: request.org_id, rechargeId: request.recharge_id, status, purchaseId, failureCode });
    if (declined) {
      await pauseAutoRecharge(tx, request.org_id, now);
      await publishEvent(tx, { orgId: request.org_id, type: 'auto_recharge.paused', data: { recharge_id: request.recharge_id, failure_code: failureCode }, now }, deps);
    }
  });
}
