import { availableCredits, closeHold, isHoldActive } from '../domain/ledger.js';
import { Failure } from '../domain/failures.js';
import type { HoldStatus } from '../db/schema.js';
import type { BillingDeps } from './deps.js';
import { displayAvailable } from './authorize.js';
import type { LedgerStep } from './ledger-batch.js';

export interface ReleaseResult {
  readonly hold_id: string;
  readonly status: HoldStatus;
  readonly released_credits: number;
  readonly available: number | null;
}

/** Gives a hold's reserved credits back. Releasing a hold that is already closed changes nothing. */
export function releaseHold(deps: BillingDeps, input: { orgId: string; holdId: string }): Promise<ReleaseResult> {
  return deps.ledger.submit(deps, input.orgId, releaseStep(input));
}

export function releaseStep(input: { orgId: string; holdId: string }): LedgerStep<ReleaseResult> {
  return {
    holdId: input.holdId,
    apply(context) {
      const hold = context.holdsById.get(input.holdId);
      if (!hold) throw new Failure('HOLD_NOT_FOUND', `There is no hold ${input.holdId} in this organization.`);
      if (!isHoldActive(context.book, input.holdId)) {
        return { hold_id: input.holdId, status: hold.status, released_credits: 0, available: displayAvailable(availableCredits(context.book)) };
      }
      context.book = closeHold(context.book, input.holdId, 'released');
      context.holdsById.set(input.holdId, { ...hold, status: 'released' });
      return { hold_id: input.holdId, status: 'released', released_credits: hold.credits, available: displayAvailable(availableCredits(context.book)) };
    },
  };
}
