/** Tokens that make one credit (SPEC §2). */
export const TOKENS_PER_CREDIT = 1_000;

/**
 * Upper bound on the tokens one request may report. A single AI action above a hundred million
 * tokens is a bug in the caller, not usage, and the bound keeps every sum far below 2^53.
 */
export const MAX_TOKENS_PER_REQUEST = 100_000_000;

/** Credits charged for one request: 1 credit per 1,000 tokens, rounded up, at least 1. */
export function creditsForTokens(tokens: number): number {
  if (!Number.isSafeInteger(tokens) || tokens < 0 || tokens > MAX_TOKENS_PER_REQUEST) {
    throw new RangeError(`tokens must be a whole number from 0 to ${MAX_TOKENS_PER_REQUEST}, got ${tokens}`);
  }
  return Math.max(1, Math.ceil(tokens / TOKENS_PER_CREDIT));
}
