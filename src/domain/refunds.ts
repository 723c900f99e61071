import { assertInvariant } from './assert.js';

/** What a purchase cost, and what of it has been refunded so far. */
export interface RefundablePurchase {
  readonly credits: number;
  readonly amountCents: number;
  readonly taxCents: number;
}

export interface RefundMoney {
  readonly amountCents: number;
  readonly taxCents: number;
  readonly totalCents: number;
}

/** `whole × part / of`, rounded half up, in exact integer arithmetic. */
function share(whole: number, part: number, of: number): number {
  const value = (BigInt(whole) * BigInt(part) * 2n + BigInt(of)) / (BigInt(of) * 2n);
  return Number(value);
}

/**
 * The money a refund of `credits` credits pays back: the purchase's price and tax in proportion to
 * the credits, counted on the total refunded so far, so that partial refunds add up to exactly the
 * purchase's price and tax once every credit is refunded, and never to more. Each share is rounded
 * half up to the cent: 333 of 1,000 credits bought for $20.00 + $1.60 tax pay back $6.66 + $0.53.
 */
export function refundMoney(purchase: RefundablePurchase, refundedBefore: number, credits: number): RefundMoney {
  assertInvariant(Number.isSafeInteger(credits) && credits > 0, 'a refund is of a positive whole number of credits');
  assertInvariant(refundedBefore >= 0 && refundedBefore + credits <= purchase.credits, 'a purchase is never refunded beyond its credits');
  const amountCents = share(purchase.amountCents, refundedBefore + credits, purchase.credits) - share(purchase.amountCents, refundedBefore, purchase.credits);
  const taxCents = share(purchase.taxCents, refundedBefore + credits, purchase.credits) - share(purchase.taxCents, refundedBefore, purchase.credits);
  return { amountCents, taxCents, totalCents: amountCents + taxCents };
}

/** CN-000042: a credit note's number as people read it, in its own series beside invoices' LB-…. */
export function formatCreditNoteNumber(number: number): string {
  return `CN-${String(number).padStart(6, '0')}`;
}

/**
 * The money a lost card dispute took back: the disputed amount, never more than the purchase has not
 * yet had refunded, split into price and tax in the purchase's own proportion (rounded half up to the
 * cent). When it takes everything that is left, it is exactly the price and tax left: $11.90 disputed
 * of a $10.00 + $1.90 purchase of which $3.33 + $0.63 was refunded takes back $6.67 + $1.27.
 */
export function disputeLostMoney(purchase: { amountCents: number; taxCents: number }, refunded: { amountCents: number; taxCents: number }, disputedCents: number): RefundMoney {
  assertInvariant(Number.isSafeInteger(disputedCents) && disputedCents >= 0, 'a dispute is of a whole, non-negative number of cents');
  const leftAmount = purchase.amountCents - refunded.amountCents;
  const leftTax = purchase.taxCents - refunded.taxCents;
  assertInvariant(leftAmount >= 0 && leftTax >= 0, 'a purchase is never refunded beyond its price or tax');
  const totalCents = Math.min(disputedCents, leftAmount + leftTax);
  if (totalCents === leftAmount + leftTax) return { amountCents: leftAmount, taxCents: leftTax, totalCents };
  let taxCents = Math.min(leftTax, share(purchase.taxCents, totalCents, purchase.amountCents + purchase.taxCents));
  if (totalCents - taxCents > leftAmount) taxCents = totalCents - leftAmount;
  return { amountCents: totalCents - taxCents, taxCents, totalCents };
}

export type RefundStatus = 'disputed' | 'refunded' | 'partially_refunded';

/**
 * What a purchase (and its invoice) shows after refunds and disputes: `disputed` while a dispute is
 * open; `refunded` once every credit was taken back or all the money returned (a lost dispute
 * returns the money even for credits already used); `partially_refunded` after some; else null.
 */
export function refundStatus(standing: { credits: number; totalCents: number; refundedCredits: number; refundedCents: number; dispute: 'open' | 'won' | 'lost' | null }): RefundStatus | null {
  if (standing.dispute === 'open') return 'disputed';
  if (standing.refundedCredits >= standing.credits || (standing.totalCents > 0 && standing.refundedCents >= standing.totalCents)) return 'refunded';
  if (standing.refundedCredits > 0 || standing.refundedCents > 0) return 'partially_refunded';
  return null;
}
