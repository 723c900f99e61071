import { assertInvariant } from './credits.js';

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
