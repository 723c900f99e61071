import { lineAmount } from './invoices.js';
import type { TaxLine } from './invoices.js';
import { computeTax, type TaxInput } from './tax.js';

/** What an org's plan or contract says about buying credits. */
export interface PurchaseTerms {
  readonly creditPriceCents: number;
  readonly purchaseMinCredits: number;
  readonly purchaseMaxCredits: number;
  readonly currency: string;
}

export type PurchaseRangeProblem = 'not_whole' | 'below_minimum' | 'above_maximum';

/**
 * Why `credits` cannot be bought in one purchase under these terms, or null when it can: the server
 * refuses with it (PURCHASE_OUT_OF_RANGE) and the web app says it inline, each in its own words.
 */
export function purchaseRangeProblem(credits: number, terms: Pick<PurchaseTerms, 'purchaseMinCredits' | 'purchaseMaxCredits'>): PurchaseRangeProblem | null {
  if (!Number.isSafeInteger(credits)) return 'not_whole';
  if (credits < terms.purchaseMinCredits) return 'below_minimum';
  if (credits > terms.purchaseMaxCredits) return 'above_maximum';
  return null;
}

/** The price of `credits` before tax: whole credits at the unit price, in cents. */
export function creditsPriceCents(credits: number, unitPriceCents: number): number {
  return lineAmount(credits, unitPriceCents);
}

export interface CreditPurchasePrice {
  readonly credits: number;
  readonly unitPriceCents: number;
  readonly amountCents: number;
  readonly taxCents: number;
  readonly totalCents: number;
  readonly currency: string;
  readonly taxLines: TaxLine[];
  readonly taxNote: string | null;
}

/**
 * What a purchase of `credits` charges: price, tax by the billing address, total. The quote (the
 * preview) and the purchase itself both use it, so the purchase charges exactly what was quoted.
 */
export function priceCreditPurchase(input: { credits: number; terms: PurchaseTerms; tax: Omit<TaxInput, 'amountCents'> }): CreditPurchasePrice {
  const amountCents = creditsPriceCents(input.credits, input.terms.creditPriceCents);
  const tax = computeTax({ ...input.tax, amountCents });
  return {
    credits: input.credits,
    unitPriceCents: input.terms.creditPriceCents,
    amountCents,
    taxCents: tax.taxCents,
    totalCents: amountCents + tax.taxCents,
    currency: input.terms.currency,
    taxLines: tax.lines,
    taxNote: tax.note,
  };
}
