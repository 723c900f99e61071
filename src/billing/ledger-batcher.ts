import { Failure } from '../domain/failures.js';
import type { BillingDeps } from './deps.js';
import { applyLedgerBatch, type LedgerStep, type StepOutcome } from './ledger-batch.js';

/**
 * Group commit (the performance issue): requests for an org queue while that org's transaction is
 * in flight and are applied together in the next one. With batching off (LOUPE_GROUP_COMMIT=0) every
 * request is its own transaction. Queues are bounded per org and in total: past the bound a request
 * is refused at once with 429 OVERLOADED and a Retry-After, instead of waiting without bound.
 */
export interface BatcherLimits {
  readonly enabled: boolean;
  /** Most requests applied in one transaction. */
  readonly maxBatch: number;
  /** Most requests waiting for one org. */
  readonly maxQueuePerOrg: number;
  /** Most requests waiting in all. */
  readonly maxQueueTotal: number;
}

export const DEFAULT_BATCHER_LIMITS: BatcherLimits = { enabled: true, maxBatch: 256, maxQueuePerOrg: 5_000, maxQueueTotal: 50_000 };

interface Waiting {
  readonly step: LedgerStep<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

export interface LedgerBatcher {
  submit<T>(deps: BillingDeps, orgId: string, step: LedgerStep<T>): Promise<T>;
  /** Requests waiting now, for metrics and tests. */
  waiting(): number;
}

export function createLedgerBatcher(limits: BatcherLimits = DEFAULT_BATCHER_LIMITS): LedgerBatcher {
  const queues = new Map<string, Waiting[]>();
  let waitingTotal = 0;

  const settle = (entries: readonly Waiting[], outcomes: readonly StepOutcome<unknown>[]) => {
    entries.forEach((entry, index) => {
      const outcome = outcomes[index];
      if (outcome?.ok) entry.resolve(outcome.value);
      else entry.reject(outcome?.error ?? new Error('no outcome for a batched request'));
    });
  };

  /** A batch whose transaction failed as a whole (not one request's Failure) is retried one by one. */
  const runBatch = async (deps: BillingDeps, orgId: string, entries: Waiting[]) => {
    try {
      settle(entries, await applyLedgerBatch(deps, orgId, entries.map((entry) => entry.step)));
    } catch (error) {
      if (entries.length === 1 || error instanceof Failure) {
        for (const entry of entries) entry.reject(error);
        return;
      }
      for (const entry of entries) await runBatch(deps, orgId, [entry]);
    }
  };

  const drain = async (deps: BillingDeps, orgId: string, queue: Waiting[]) => {
    while (queue.length > 0) {
      const batch = queue.splice(0, limits.maxBatch);
      waitingTotal -= batch.length;
      await runBatch(deps, orgId, batch);
    }
    queues.delete(orgId);
  };

  return {
    submit<T>(deps: BillingDeps, orgId: string, step: LedgerStep<T>): Promise<T> {
      if (!limits.enabled) {
        return applyLedgerBatch(deps, orgId, [step]).then(([outcome]) => {
          if (!outcome?.ok) throw outcome?.error ?? new Error('no outcome');
          return outcome.value as T;
        });
      }
      const existing = queues.get(orgId);
      if ((existing?.length ?? 0) >= limits.maxQueuePerOrg || waitingTotal >= limits.maxQueueTotal) {
        return Promise.reject(new Failure('OVERLOADED', 'Too many requests are waiting for this organization; retry in a second.'));
      }
      return new Promise<T>((resolve, reject) => {
        const entry: Waiting = { step, resolve: resolve as (value: unknown) => void, reject };
        waitingTotal += 1;
        if (existing) {
          existing.push(entry);
          return;
        }
        // First request for this org: its transaction starts now; later ones queue behind it.
        const queue = [entry];
        queues.set(orgId, queue);
        void drain(deps, orgId, queue);
      });
    },
    waiting: () => waitingTotal,
  };
}
