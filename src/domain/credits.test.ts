import { describe, expect, it } from 'vitest';
import { creditsForTokens, MAX_TOKENS_PER_REQUEST } from './credits.js';

describe('1 credit per 1,000 tokens, rounded up, minimum 1', () => {
  it.each([
    [0, 1],
    [1, 1],
    [999, 1],
    [1_000, 1],
    [1_001, 2],
    [2_500, 3],
    [1_000_000, 1_000],
    [MAX_TOKENS_PER_REQUEST, 100_000],
  ])('%i tokens cost %i credits', (tokens, credits) => {
    expect(creditsForTokens(tokens)).toBe(credits);
  });

  it.each([-1, 1.5, Number.NaN, MAX_TOKENS_PER_REQUEST + 1])('refuses %s tokens', (tokens) => {
    expect(() => creditsForTokens(tokens)).toThrow(RangeError);
  });
});
