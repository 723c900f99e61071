import { ProviderUnavailable } from '../providers/payments.js';
import type { BillingDeps } from './deps.js';
import { settlePurchase } from './purchase-credits.js';

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
export async function reconcilePendingPurchases(deps: BillingDeps): Promise<{ checked: number; repaired: number }> {
  const cutoff = new Date(deps.clock.now().getTime() - RECONCILE_AFTER_MS);
  const pending = await deps.db
    .selectFrom('credit_purchases')
    .select(['org_id', 'purchase_id'])
    .where('status', '=', 'pending')
    .where('created_at', '<=', cutoff)
    .orderBy('created_at')
    .limit(BATCH_SIZE)
    .execute();
  let repaired = 0;
  for (const purchase of pending) {
    let outcome;
    try {
      outcome = await deps.provider.findCharge(`purchase:${purchase.purchase_id}`);
    } catch (error) {
      if (error instanceof ProviderUnavailable) continue;
      throw error;
    }
    const settled = await settlePurchase(deps, {
      orgId: purchase.org_id,
      purchaseId: purchase.purchase_id,
      outcome: outcome ?? { status: 'failed', providerPaymentId: null, failureCode: 'provider_no_charge', message: 'The payment provider has no record of this charge.' },
    });
    if (settled.status !== 'pending') repaired += 1;
  }
  return { checked: pending.length, repaired };
}
