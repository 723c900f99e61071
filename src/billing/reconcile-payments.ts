import { listPendingPurchasesSince } from '../db/purchases.js';
import { ProviderUnavailable } from '../providers/payments.js';
import type { BillingDeps } from './deps.js';
import { settlePurchase } from './purchase-credits.js';
import { forEachOrg, logOrgJobFailure, type OrgJobFailureLog } from './for-each-org.js';

/** A purchase still pending after this long lost its answer (a timeout, a crash between charge and grant). */
export const RECONCILE_AFTER_MS = 2 * 60_000;
const BATCH_SIZE = 100;

/**
 * Repairs purchases whose outcome was lost, from the payment provider's own record of the charge
 * (found by the purchase's idempotency key): a charge that succeeded gets its credits and invoice,
 * a declined one its failure; a charge the provider never made fails the purchase, so no credits
 * are granted without a payment and no payment is left without its credits. Settling is idempotent,
 * so running this on several servers or twice changes nothing more.
 */
export async function reconcilePendingPurchases(deps: BillingDeps, log: OrgJobFailureLog = logOrgJobFailure): Promise<{ checked: number; repaired: number }> {
  const cutoff = new Date(deps.clock.now().getTime() - RECONCILE_AFTER_MS);
  const pending = await listPendingPurchasesSince(deps.db, cutoff, BATCH_SIZE);
  let repaired = 0;
  const items = pending.map((purchase) => ({ orgId: purchase.org_id, purchaseId: purchase.purchase_id }));
  await forEachOrg({ job: 'purchase reconciliation', items, log }, async (purchase) => {
    let outcome;
    try {
      outcome = await deps.provider.findCharge(`purchase:${purchase.purchaseId}`);
    } catch (error) {
      if (error instanceof ProviderUnavailable) return;
      throw error;
    }
    const settled = await settlePurchase(deps, {
      orgId: purchase.orgId,
      purchaseId: purchase.purchaseId,
      outcome: outcome ?? { status: 'failed', providerPaymentId: null, failureCode: 'provider_no_charge', message: 'The payment provider has no record of this charge.' },
    });
    if (settled.status !== 'pending') repaired += 1;
  });
  return { checked: pending.length, repaired };
}
