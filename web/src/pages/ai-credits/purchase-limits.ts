import { formatCredits } from '../../format.js';
import { DEFAULT_PURCHASE_MAX_CREDITS, DEFAULT_PURCHASE_MIN_CREDITS } from '../../../../src/domain/plans.js';

/** The limits of one purchase until a quote tells the org's own (a contract may change them): the server's defaults. */
export const PURCHASE_MIN = DEFAULT_PURCHASE_MIN_CREDITS;
export const PURCHASE_MAX = DEFAULT_PURCHASE_MAX_CREDITS;
/** The slider's step; the number field takes any whole number. */
export const PURCHASE_STEP = 100;

export interface PurchaseLimits {
  readonly min: number;
  readonly max: number;
}

/** The inline message for an amount that may not be bought, or null when it may. */
export function purchaseProblem(text: string, limits: PurchaseLimits): string | null {
  const trimmed = text.trim();
  if (trimmed === '' || !/^\d+$/.test(trimmed)) return 'Enter a whole number of credits';
  const credits = Number(trimmed);
  if (credits < limits.min) return `Minimum purchase is ${formatCredits(limits.min)} credits`;
  if (credits > limits.max) return `Maximum purchase is ${formatCredits(limits.max)} credits per transaction`;
  return null;
}
