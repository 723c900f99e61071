/** The rounding table of SPEC §2 as [tokens, credits] pairs; unit and HTTP tests both check it. */
export const ROUNDING_EXAMPLES: readonly (readonly [tokens: number, credits: number])[] = [
  [0, 1],
  [1, 1],
  [999, 1],
  [1_000, 1],
  [1_001, 2],
  [2_500, 3],
  [1_000_000, 1_000],
];
