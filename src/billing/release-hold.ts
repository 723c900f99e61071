import { findHold } from '../db/holds.js';
import { availableCredits, closeHold, isHoldActive } from '../domain/ledger.js';
import { Failure } from '../domain/failures.js';
import type { HoldStatus } from '../db/schema.js';
import type { BillingDeps } from './deps.js';
import { displayAvailable } from './authorize.js';
import { withOrgLedger } from './org-ledger.js';

export interface ReleaseResult {
  readonly hold_id: string;
  readonly status: HoldStatus;
  readonly released_credits: number;
  readonly available: number | null;
}

/** Gives a hold's reserved credits back. Releasing a hold that is already closed changes nothing. */
export async function releaseHold(deps: BillingDeps, input: { orgId: string; holdId: string }): Promise<ReleaseResult> {
  return withOrgLedger(deps, input.orgId, async ({ tx, book }) => {
    const hold = await findHold(tx, input.orgId, input.holdId);
    if (!hold) throw new Failure('HOLD_NOT_FOUND', `There is no hold ${input.holdId} in this organization.`);
    if (!isHoldActive(book, input.holdId)) {
      const status = book.closedHolds.find((closed) => closed.id === input.holdId)?.closing ?? hold.status;
      return { book, result: { hold_id: hold.hold_id, status, released_credits: 0, available: displayAvailable(availableCredits(book)) } };
    }
    const next = closeHold(book, input.holdId, 'released');
    return {
      book: next,
      result: { hold_id: hold.hold_id, status: 'released' as const, released_credits: hold.credits, available: displayAvailable(availableCredits(next)) },
    };
  });
}
