import type { Db } from '../db/database.js';
import type { LockedOrg } from '../db/ledger-store.js';
import type { HoldStatus, UsageRow } from '../db/schema.js';
import { preloadHolds, preloadUsageKeys, insertHolds, insertUsageRows, type NewHoldRow } from '../db/ledger-batch.js';
import type { LedgerBook } from '../domain/ledger.js';
import { Failure } from '../domain/failures.js';
import type { BillingDeps } from './deps.js';
import { withOrgLedger } from './org-ledger.js';

/**
 * A batch of money-moving requests for one org, applied in one transaction (DESIGN.md): one lock,
 * one load, the requests computed one after the other in memory with the pure ledger functions,
 * then a few multi-row writes and one commit. Each request gets its own answer; one that fails
 * (a conflict, a bad hold id) changes nothing and does not disturb the others. The naive path is
 * the batch of one.
 */
export interface BatchContext {
  readonly deps: BillingDeps;
  readonly orgId: string;
  readonly locked: LockedOrg;
  book: LedgerBook;
  /** Idempotency keys already used: loaded for this batch's keys, plus the batch's own. */
  readonly usageByKey: Map<string, { requestHash: string; response: string }>;
  /** Holds this batch names: loaded, plus the batch's new ones, with their current status. */
  readonly holdsById: Map<string, { credits: number; status: HoldStatus }>;
  readonly newUsageRows: UsageRow[];
  readonly newHolds: NewHoldRow[];
}

/** One request of a batch: what it needs loaded, and how it is applied to the context. */
export interface LedgerStep<T> {
  readonly idempotencyKey?: string | undefined;
  readonly holdId?: string | undefined;
  apply(context: BatchContext): T;
}

export type StepOutcome<T> = { ok: true; value: T } | { ok: false; error: Failure };

export async function applyLedgerBatch(deps: BillingDeps, orgId: string, steps: readonly LedgerStep<unknown>[]): Promise<StepOutcome<unknown>[]> {
  return withOrgLedger(deps, orgId, async (locked) => {
    const context = await openContext(locked.tx, deps, orgId, locked, steps);
    const outcomes = steps.map((step): StepOutcome<unknown> => {
      try {
        return { ok: true, value: step.apply(context) };
      } catch (error) {
        if (error instanceof Failure) return { ok: false, error };
        throw error;
      }
    });
    await insertHolds(locked.tx, context.newHolds);
    await insertUsageRows(locked.tx, context.newUsageRows);
    return { book: context.book, result: outcomes };
  });
}

async function openContext(tx: Db, deps: BillingDeps, orgId: string, locked: LockedOrg, steps: readonly LedgerStep<unknown>[]): Promise<BatchContext> {
  const keys = steps.flatMap((step) => (step.idempotencyKey === undefined ? [] : [step.idempotencyKey]));
  const holdIds = steps.flatMap((step) => (step.holdId === undefined ? [] : [step.holdId]));
  const [usage, holds] = await Promise.all([preloadUsageKeys(tx, orgId, keys), preloadHolds(tx, orgId, holdIds)]);
  // Holds the maintenance step just expired are no longer active, whatever their row says.
  const closedNow = new Map(locked.book.closedHolds.map((hold) => [hold.id, hold.closing]));
  return {
    deps,
    orgId,
    locked,
    book: locked.book,
    usageByKey: new Map(usage.map((row) => [row.idempotency_key, { requestHash: row.request_hash, response: row.response }])),
    holdsById: new Map(holds.map((row) => [row.hold_id, { credits: row.credits, status: closedNow.get(row.hold_id) ?? row.status }])),
    newUsageRows: [],
    newHolds: [],
  };
}
