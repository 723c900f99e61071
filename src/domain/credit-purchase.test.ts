import { describe, expect, it } from 'vitest';
import { creditsPriceCents, priceCreditPurchase, purchaseRangeProblem } from './credit-purchase.js';

// The Starter plan's terms: 1 ¢ a credit, 100 to 100,000 credits a purchase.
const terms = { creditPriceCents: 1, purchaseMinCredits: 100, purchaseMaxCredits: 100_000, currency: 'USD' };
const seller = { country: 'US', region: 'CA' };

describe('what a credit purchase charges (the quote and the purchase both use it)', () => {
  it('1,000 credits to New York: $10.00 and 4% state tax, $0.40, total $10.40', () => {
    expect(priceCreditPurchase({ credits: 1_000, terms, tax: { seller, customer: { country: 'US', region: 'NY' } } })).toMatchObject({
      credits: 1_000,
      unitPriceCents: 1,
      amountCents: 1_000,
      taxCents: 40,
      totalCents: 1_040,
      currency: 'USD',
    });
  });

  it('1,000 credits to Germany: $10.00 and 19% VAT, $1.90, total $11.90; with a valid VAT id, reverse charge and no tax', () => {
    expect(priceCreditPurchase({ credits: 1_000, terms, tax: { seller, customer: { country: 'DE' } } })).toMatchObject({ amountCents: 1_000, taxCents: 190, totalCents: 1_190 });
    const business = priceCreditPurchase({ credits: 1_000, terms, tax: { seller, customer: { country: 'DE' }, vatId: 'DE123456789' } });
    expect(business).toMatchObject({ taxCents: 0, totalCents: 1_000 });
  });

  it('a contract price of 3 ¢ a credit: 2,500 credits → $75.00', () => {
    expect(creditsPriceCents(2_500, 3)).toBe(7_500);
  });
});

describe('how many credits one purchase may buy', () => {
  it.each([
    [99, 'below_minimum'],
    [100, null],
    [100_000, null],
    [100_001, 'above_maximum'],
    [100.5, 'not_whole'],
    [Number.NaN, 'not_whole'],
  ] as const)('%s credits → %s', (credits, problem) => {
    expect(purchaseRangeProblem(credits, terms)).toBe(problem);
  });
});
