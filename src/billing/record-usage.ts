import { createHash } from 'node:crypto';
import { creditsForTokens } from '../domain/credits.js';
import type { BillingDeps } from './deps.js';
import type { RecordRequest, RecordUsageResult } from '../ledger/requests.js';

/** What the host app reports: the record request without what the service derives from it. */
export type RecordUsageInput = Omit<RecordRequest, 'kind' | 'credits' | 'requestHash'>;

/**
 * "This action used N tokens." Charges max(1, ceil(tokens / 1000)) credits in draw-down order and
 * stores the usage row with its answer in the same transaction, so a retry of the key returns the
 * first answer and charges nothing (the rules: ledger/requests.ts).
 */
export function recordUsage(deps: BillingDeps, input: RecordUsageInput): Promise<RecordUsageResult> {
  return deps.ledger.submit(recordRequest(input));
}

/**
 * A batch of usage events of any orgs (POST /v1/usage/batch): each is exactly what one recordUsage
 * would be, and they enter the ledger's queue together in their order, so an org's events apply in
 * array order. Each is settled on its own; a full queue refuses the whole batch (OVERLOADED).
 */
export function recordUsageBatch(deps: BillingDeps, inputs: readonly RecordUsageInput[]): Promise<PromiseSettledResult<RecordUsageResult>[]> {
  return deps.ledger.submitAll(inputs.map(recordRequest));
}

function recordRequest(input: RecordUsageInput): RecordRequest {
  return { kind: 'record', ...input, credits: creditsForTokens(input.tokens), requestHash: hashRequest(input) };
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
