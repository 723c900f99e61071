import type { BillingDeps } from '../billing/deps.js';
import { claimDueDeliveries, type DeliveryRow } from '../db/deliveries.js';
import { deliverWebhook, LEASE_MS } from './dispatch-notifications.js';
import { startScheduler } from './scheduler.js';

export interface ConcurrencyLimits {
  /** Attempts in flight on one server. */
  readonly total: number;
  /** Attempts leased at once for one endpoint, counted over every server. */
  readonly perEndpoint: number;
}

/**
 * An endpoint that accepts the connection and never answers holds `perEndpoint` slots for
 * WEBHOOK_TIMEOUT_MS each; the other slots keep serving every other endpoint.
 */
export const WEBHOOK_CONCURRENCY: ConcurrencyLimits = { total: 32, perEndpoint: 2 };

/** Bound on one run of dispatchWebhooks (the test clock, the demo seed); the loop picks up the rest. */
const MAX_DELIVERIES_PER_RUN = 1_000;

export interface WebhookDispatcher {
  /** Claims due deliveries into the free slots and starts them; resolves once they are started. */
  fill(): Promise<void>;
  /** Resolves when nothing is in flight and the last claim found nothing more to send. */
  settled(): Promise<void>;
  /** Stops claiming and aborts the attempts in flight (their leases are given back), then waits for them. */
  stop(): Promise<void>;
}

/**
 * Deliveries run side by side, each on its own lease, never waiting for one another: a slot that
 * frees up claims the next due delivery at once. Nothing is queued in memory, so a server that dies
 * holds only leases, which run out, and the rows are sent again (at-least-once).
 */
export function createWebhookDispatcher(input: { deps: BillingDeps; onError: (error: unknown) => void; limits?: ConcurrencyLimits; maxDeliveries?: number }): WebhookDispatcher {
  const { deps, onError } = input;
  const limits = input.limits ?? WEBHOOK_CONCURRENCY;
  const maxDeliveries = input.maxDeliveries ?? Number.POSITIVE_INFINITY;
  const inFlight = new Set<Promise<void>>();
  const stopping = new AbortController();
  let started = 0;
  let claiming: Promise<void> | null = null;
  let claimAgain = false;

  const start = (delivery: DeliveryRow) => {
    const attempt: Promise<void> = deliverWebhook(deps, delivery, stopping.signal)
      .catch(onError)
      .finally(() => {
        inFlight.delete(attempt);
        fill().catch(onError);
      });
    inFlight.add(attempt);
    started += 1;
  };

  const claim = async () => {
    do {
      claimAgain = false;
      const free = Math.min(limits.total - inFlight.size, maxDeliveries - started);
      if (free <= 0 || stopping.signal.aborted) return;
      const now = deps.clock.now();
      const claimed = await claimDueDeliveries(deps.db, { now, leaseUntil: new Date(now.getTime() + LEASE_MS), limit: free, perEndpoint: limits.perEndpoint });
      for (const delivery of claimed) start(delivery);
    } while (claimAgain);
  };

  // One claim at a time; a slot freed meanwhile asks for another round rather than a parallel claim.
  const fill = (): Promise<void> => {
    if (claiming) {
      claimAgain = true;
      return claiming;
    }
    claiming = claim().finally(() => {
      claiming = null;
      if (claimAgain) fill().catch(onError);
    });
    return claiming;
  };

  const settled = async () => {
    while (claiming !== null || inFlight.size > 0) await Promise.allSettled([claiming, ...inFlight]);
  };

  return {
    fill,
    settled,
    async stop() {
      stopping.abort(new Error('The server stopped before the endpoint answered.'));
      await settled();
    },
  };
}

/**
 * Sends what is due now and waits for it: the test clock's advance and the demo seed, whose callers
 * expect the deliveries to have happened. The server runs startWebhookDispatcher instead.
 */
export async function dispatchWebhooks(deps: BillingDeps): Promise<void> {
  const errors: unknown[] = [];
  const dispatcher = createWebhookDispatcher({ deps, maxDeliveries: MAX_DELIVERIES_PER_RUN, onError: (error) => errors.push(error) });
  await dispatcher.fill();
  await dispatcher.settled();
  if (errors.length > 0) throw errors[0];
}

/** The server's delivery loop, apart from the billing jobs' loop: a claim every `intervalMs` and whenever a slot frees. */
export function startWebhookDispatcher(input: { deps: BillingDeps; intervalMs: number; onError: (error: unknown) => void }): { stop(): Promise<void> } {
  const dispatcher = createWebhookDispatcher({ deps: input.deps, onError: input.onError });
  const scheduler = startScheduler({ intervalMs: input.intervalMs, run: dispatcher.fill, onError: input.onError });
  return {
    async stop() {
      await scheduler.stop();
      await dispatcher.stop();
    },
  };
}
