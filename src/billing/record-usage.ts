import { createHash } from 'node:crypto';
import { creditsForTokens } from '../domain/credits.js';
import type { BillingDeps } from './deps.js';
import type { RecordUsageResult } from '../ledger/requests.js';

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

/**
 * "This action used N tokens." Charges max(1, ceil(tokens / 1000)) credits in draw-down order and
 * stores the usage row with its answer in the same transaction, so a retry of the key returns the
 * first answer and charges nothing (the rules: ledger/requests.ts).
 */
export function recordUsage(deps: BillingDeps, input: RecordUsageInput): Promise<RecordUsageResult> {
  return deps.ledger.submit({ kind: 'record', ...input, credits: creditsForTokens(input.tokens), requestHash: hashRequest(input) });
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
