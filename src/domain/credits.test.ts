import { describe, expect, it } from 'vitest';
import { creditsForTokens, MAX_TOKENS_PER_REQUEST } from './credits.js';
import { ROUNDING_EXAMPLES } from './rounding-examples.js';

describe('1 credit per 1,000 tokens, rounded up, minimum 1', () => {
  it.each([...ROUNDING_EXAMPLES, [MAX_TOKENS_PER_REQUEST, 100_000] as const])('%i tokens cost %i credits', (tokens, credits) => {
    expect(creditsForTokens(tokens)).toBe(credits);
  });

  it.each([-1, 1.5, Number.NaN, MAX_TOKENS_PER_REQUEST + 1])('refuses %s tokens', (tokens) => {
    expect(() => creditsForTokens(tokens)).toThrow(RangeError);
  });
});
