import { createHash } from 'node:crypto';
import { creditsForTokens } from '../domain/credits.js';
import { availableCredits, chargeUsage, closeHold, isHoldActive, type SourceCredits } from '../domain/ledger.js';
import { Failure, invalidFields } from '../domain/failures.js';
import type { BillingDeps } from './deps.js';
import { displayAvailable } from './authorize.js';
import { newId } from './ids.js';
import type { LedgerStep } from './ledger-batch.js';

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
export function recordUsage(deps: BillingDeps, input: RecordUsageInput): Promise<RecordUsageResult> {
  return deps.ledger.submit(deps, input.orgId, recordUsageStep(input));
}

export function recordUsageStep(input: RecordUsageInput): LedgerStep<RecordUsageResult> {
  const requestHash = hashRequest(input);
  const credits = creditsForTokens(input.tokens);
  return {
    idempotencyKey: input.idempotencyKey,
    holdId: input.holdId,
    apply(context) {
      const previous = context.usageByKey.get(input.idempotencyKey);
      if (previous) {
        if (previous.requestHash !== requestHash) {
          throw new Failure('IDEMPOTENCY_CONFLICT', `The idempotency key ${input.idempotencyKey} was used with a different request.`);
        }
        return { replayed: true, body: previous.response };
      }
      const now = context.book.now;
      const occurredAt = input.occurredAt ?? now;
      if (occurredAt.getTime() > now.getTime() + MAX_FUTURE_SKEW_MS) throw invalidFields({ occurred_at: ['must not be in the future'] });
      let book = context.book;
      if (input.holdId !== undefined) {
        const hold = context.holdsById.get(input.holdId);
        if (!hold) throw invalidFields({ hold_id: [`there is no hold ${input.holdId} in this organization`] });
        if (isHoldActive(book, input.holdId)) {
          book = closeHold(book, input.holdId, 'settled');
          context.holdsById.set(input.holdId, { ...hold, status: 'settled' });
        }
      }
      const usageId = newId('usg');
      const charge = chargeUsage(book, { usageId, credits });
      const answer: UsageCharge = {
        id: usageId,
        credits,
        charged: charge.charged,
        uncollected: charge.uncollected,
        sources: charge.sources,
        available: displayAvailable(availableCredits(charge.book)),
      };
      const body = JSON.stringify(answer);
      context.book = charge.book;
      context.usageByKey.set(input.idempotencyKey, { requestHash, response: body });
      context.newUsageRows.push({
        org_id: context.orgId,
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
        recorded_at: now,
        response: body,
      });
      return { replayed: false, body };
    },
  };
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
