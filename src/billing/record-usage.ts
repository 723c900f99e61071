import { createHash } from 'node:crypto';
import { findHold } from '../db/holds.js';
import { findUsageByKey, insertUsage } from '../db/usage.js';
import { creditsForTokens } from '../domain/credits.js';
import { availableCredits, chargeUsage, closeHold, isHoldActive, type SourceCredits } from '../domain/ledger.js';
import { Failure, invalidFields } from '../domain/failures.js';
import type { BillingDeps } from './deps.js';
import { displayAvailable } from './authorize.js';
import { newId } from './ids.js';
import { withOrgLedger } from './org-ledger.js';

export interface RecordUsageInput {
  readonly orgId: string;
  readonly idempotencyKey: string;
  readonly holdId?: string | undefined;
  readonly userId: string;
  readonly userName?: string | undefined;
  readonly feature: string;
  readonly action: string;
  readonly tokens: number;
  readonly occurredAt?: Date | undefined;
}

export interface UsageCharge {
  readonly id: string;
  readonly credits: number;
  readonly charged: number;
  readonly uncollected: number;
  readonly sources: readonly SourceCredits[];
  readonly available: number | null;
}

/** 201 for a new usage; 200 with the first answer, byte for byte, for a replay of its key. */
export interface RecordUsageResult {
  readonly replayed: boolean;
  readonly body: string;
}

/** How far ahead of the service's clock a reported usage time may be (clock skew). */
const MAX_FUTURE_SKEW_MS = 5 * 60_000;

/**
 * "This action used N tokens." Charges max(1, ceil(tokens / 1000)) credits in draw-down order and
 * stores the usage row; the idempotency key is stored in the same transaction, so a retry returns the
 * first answer and charges nothing. Usage beyond the available credits is kept as uncollected.
 */
export async function recordUsage(deps: BillingDeps, input: RecordUsageInput): Promise<RecordUsageResult> {
  const requestHash = hashRequest(input);
  const credits = creditsForTokens(input.tokens);
  return withOrgLedger<RecordUsageResult>(deps, input.orgId, async ({ tx, book }) => {
    const previous = await findUsageByKey(tx, input.orgId, input.idempotencyKey);
    if (previous) {
      if (previous.request_hash !== requestHash) {
        throw new Failure('IDEMPOTENCY_CONFLICT', `The idempotency key ${input.idempotencyKey} was used with a different request.`);
      }
      return { book, result: { replayed: true, body: previous.response } };
    }
    const occurredAt = input.occurredAt ?? book.now;
    if (occurredAt.getTime() > book.now.getTime() + MAX_FUTURE_SKEW_MS) {
      throw invalidFields({ occurred_at: ['must not be in the future'] });
    }
    let next = book;
    if (input.holdId !== undefined) {
      const hold = await findHold(tx, input.orgId, input.holdId);
      if (!hold) throw invalidFields({ hold_id: [`there is no hold ${input.holdId} in this organization`] });
      if (isHoldActive(next, input.holdId)) next = closeHold(next, input.holdId, 'settled');
    }
    const usageId = newId('usg');
    const charge = chargeUsage(next, { usageId, credits });
    const answer: UsageCharge = {
      id: usageId,
      credits,
      charged: charge.charged,
      uncollected: charge.uncollected,
      sources: charge.sources,
      available: displayAvailable(availableCredits(charge.book)),
    };
    const body = JSON.stringify(answer);
    await insertUsage(tx, {
      org_id: input.orgId,
      usage_id: usageId,
      idempotency_key: input.idempotencyKey,
      request_hash: requestHash,
      hold_id: input.holdId ?? null,
      user_id: input.userId,
      user_name: input.userName ?? null,
      feature: input.feature,
      action: input.action,
      tokens: input.tokens,
      credits,
      charged_credits: charge.charged,
      uncollected_credits: charge.uncollected,
      occurred_at: occurredAt,
      recorded_at: book.now,
      response: body,
    });
    return { book: charge.book, result: { replayed: false, body } };
  });
}

/** What makes two requests with one key the same request: every field the caller sent. */
function hashRequest(input: RecordUsageInput): string {
  const canonical = JSON.stringify([
    input.holdId ?? null,
    input.userId,
    input.userName ?? null,
    input.feature,
    input.action,
    input.tokens,
    input.occurredAt?.toISOString() ?? null,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}
