import type { BillingDeps } from '../billing/deps.js';
import { runLedgerMaintenance } from './ledger-maintenance.js';
import { runInvoiceCollection, runPurges } from './billing-jobs.js';
import { runAutoRecharges } from '../billing/auto-recharge.js';
import { issuePendingPeriodInvoices } from '../billing/period-invoices.js';
import { fanOutPendingEvents } from '../notifications/publish.js';
import { reconcilePendingPurchases } from '../billing/reconcile-payments.js';
import { finishPendingRefunds } from '../billing/refund-purchase.js';
import { deliverProviderEvents } from '../billing/handle-provider-event.js';
import { dispatchEmails } from './dispatch-notifications.js';
import { dispatchWebhooks, startWebhookDispatcher } from './webhook-dispatcher.js';
import { startScheduler } from './scheduler.js';

/**
 * Every billing job, in the order time demands: rollovers, the invoices of the periods they closed, collection,
 * auto-recharge purchases, purges, the notifications of the events ledger cycles wrote, then the e-mails all of those may have produced. Webhooks are not
 * among them: an org's endpoint may take WEBHOOK_TIMEOUT_MS to fail, and billing must not wait for it.
 */
export async function runBillingJobs(deps: BillingDeps): Promise<void> {
  await runLedgerMaintenance(deps);
  await issuePendingPeriodInvoices(deps, null);
  await runInvoiceCollection(deps);
  await reconcilePendingPurchases(deps);
  await finishPendingRefunds(deps);
  await runAutoRecharges(deps);
  await deliverProviderEvents(deps);
  await runPurges(deps);
  await fanOutPendingEvents(deps, null);
  await dispatchEmails(deps);
}

/** The billing jobs, then the webhooks they produced, sent and waited for (the test clock, the demo seed). */
export async function runDueJobs(deps: BillingDeps): Promise<void> {
  await runBillingJobs(deps);
  await dispatchWebhooks(deps);
}

/** The server's two loops: billing jobs every `intervalMs`, one run at a time, and webhook deliveries on their own. */
export function startJobLoops(input: { deps: BillingDeps; intervalMs: number; onError: (error: unknown) => void }): { stop(): Promise<void> } {
  const billing = startScheduler({ intervalMs: input.intervalMs, run: () => runBillingJobs(input.deps), onError: input.onError });
  const webhooks = startWebhookDispatcher(input);
  return {
    async stop() {
      await Promise.all([billing.stop(), webhooks.stop()]);
    },
  };
}
