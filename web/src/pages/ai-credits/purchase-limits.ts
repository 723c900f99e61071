import { formatCredits } from '../../format.js';
import { DEFAULT_PURCHASE_MAX_CREDITS, DEFAULT_PURCHASE_MIN_CREDITS } from '../../../../src/domain/plans.js';
import { purchaseRangeProblem } from '../../../../src/domain/credit-purchase.js';

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
  // The server's own rule (domain/credit-purchase.ts), in the page's words.
  switch (purchaseRangeProblem(Number(trimmed), { purchaseMinCredits: limits.min, purchaseMaxCredits: limits.max })) {
    case 'not_whole':
      return 'Enter a whole number of credits';
    case 'below_minimum':
      return `Minimum purchase is ${formatCredits(limits.min)} credits`;
    case 'above_maximum':
      return `Maximum purchase is ${formatCredits(limits.max)} credits per transaction`;
    case null:
      return null;
  }
}
