import { creditsForTokens } from '../domain/credits.js';
import type { BillingDeps } from './deps.js';
import type { AuthorizeResult } from '../ledger/requests.js';

export interface AuthorizeInput {
  readonly orgId: string;
  readonly userId: string;
  readonly feature: string;
  readonly action: string;
  readonly estimatedTokens?: number | undefined;
}

/**
 * "May this org run this AI action?" Reserves the estimated credits (1 without an estimate) with a
 * hold when the subscription is active, the module is on and enabled, and the credits are there
 * (the rules: ledger/requests.ts).
 */
export function authorize(deps: BillingDeps, input: AuthorizeInput): Promise<AuthorizeResult> {
  const credits = input.estimatedTokens === undefined ? 1 : creditsForTokens(input.estimatedTokens);
  return deps.ledger.submit({ kind: 'authorize', orgId: input.orgId, userId: input.userId, feature: input.feature, action: input.action, credits });
}
