import { describe, expect, it } from 'vitest';
import { disputeLostMoney, formatCreditNoteNumber, refundMoney, refundStatus } from './refunds.js';

// Worked by hand: 1,000 credits at 2 ¢ = $20.00, 8% tax = $1.60, total $21.60.
const purchase = { credits: 1_000, amountCents: 2_000, taxCents: 160 };

describe('the money a refund pays back', () => {
  it('all the credits: exactly the price and tax paid', () => {
    expect(refundMoney(purchase, 0, 1_000)).toEqual({ amountCents: 2_000, taxCents: 160, totalCents: 2_160 });
  });

  it('a share, rounded half up to the cent: 333 credits → $6.66 + $0.53 (160 × 0.333 = 53.28)', () => {
    expect(refundMoney(purchase, 0, 333)).toEqual({ amountCents: 666, taxCents: 53, totalCents: 719 });
  });

  it('partial refunds add up to exactly the purchase, whatever the rounding on the way', () => {
    const first = refundMoney(purchase, 0, 333);
    const second = refundMoney(purchase, 333, 333);
    const third = refundMoney(purchase, 666, 334);
    // 160 × 666/1000 = 106.56 → 107, so the second pays 107 − 53 = 54; the third 160 − 107 = 53.
    expect([first.taxCents, second.taxCents, third.taxCents]).toEqual([53, 54, 53]);
    expect(first.amountCents + second.amountCents + third.amountCents).toBe(2_000);
    expect(first.taxCents + second.taxCents + third.taxCents).toBe(160);
  });

  it('a purchase with no tax (EU reverse charge) pays back only its price; one credit of an odd price rounds half up', () => {
    expect(refundMoney({ credits: 500, amountCents: 1_000, taxCents: 0 }, 0, 500)).toEqual({ amountCents: 1_000, taxCents: 0, totalCents: 1_000 });
    // 3 credits for 10 ¢: one credit is 3.33 ¢ → 3; two are 6.67 → 7, so the second pays 4.
    expect(refundMoney({ credits: 3, amountCents: 10, taxCents: 0 }, 0, 1).amountCents).toBe(3);
    expect(refundMoney({ credits: 3, amountCents: 10, taxCents: 0 }, 1, 1).amountCents).toBe(4);
  });

  it('never beyond the credits bought', () => {
    expect(() => refundMoney(purchase, 900, 101)).toThrow(/beyond its credits/);
    expect(() => refundMoney(purchase, 0, 0)).toThrow(/positive whole number/);
  });

  it('numbers credit notes in their own series', () => {
    expect(formatCreditNoteNumber(1)).toBe('CN-000001');
    expect(formatCreditNoteNumber(1_234_567)).toBe('CN-1234567');
  });
});

describe('the money a lost dispute took back', () => {
  // $10.00 + 19% VAT $1.90 = $11.90.
  const german = { amountCents: 1_000, taxCents: 190 };

  it('the whole charge: exactly the price and tax', () => {
    expect(disputeLostMoney(german, { amountCents: 0, taxCents: 0 }, 1_190)).toEqual({ amountCents: 1_000, taxCents: 190, totalCents: 1_190 });
  });

  it('never more than is left after refunds: $11.90 disputed after $3.33 + $0.63 refunded → $6.67 + $1.27', () => {
    expect(disputeLostMoney(german, { amountCents: 333, taxCents: 63 }, 1_190)).toEqual({ amountCents: 667, taxCents: 127, totalCents: 794 });
  });

  it('a part of the charge, split in the purchase’s proportion: $5.00 of $11.90 → tax 190 × 500/1190 = 79.8 → $0.80', () => {
    expect(disputeLostMoney(german, { amountCents: 0, taxCents: 0 }, 500)).toEqual({ amountCents: 420, taxCents: 80, totalCents: 500 });
  });

  it('the tax share never exceeds the tax left, nor the price share the price left', () => {
    // Only 10 ¢ of tax is left; 600 ¢ disputed would give 96 ¢ of tax by proportion.
    expect(disputeLostMoney(german, { amountCents: 0, taxCents: 180 }, 600)).toEqual({ amountCents: 590, taxCents: 10, totalCents: 600 });
    // Only 5 ¢ of price is left: the rest of the 100 ¢ disputed is tax.
    expect(disputeLostMoney(german, { amountCents: 995, taxCents: 0 }, 100)).toEqual({ amountCents: 5, taxCents: 95, totalCents: 100 });
  });
});

describe('what refunds and disputes make a purchase', () => {
  const bought = { credits: 1_000, totalCents: 1_190 };
  it.each([
    [{ refundedCredits: 0, refundedCents: 0, dispute: null }, null],
    [{ refundedCredits: 0, refundedCents: 0, dispute: 'won' }, null],
    [{ refundedCredits: 300, refundedCents: 357, dispute: 'open' }, 'disputed'],
    [{ refundedCredits: 300, refundedCents: 357, dispute: null }, 'partially_refunded'],
    [{ refundedCredits: 1_000, refundedCents: 1_190, dispute: null }, 'refunded'],
    // A lost dispute returns the whole charge even when most credits were used.
    [{ refundedCredits: 100, refundedCents: 1_190, dispute: 'lost' }, 'refunded'],
    // …and takes the unused credits even when the bank returned only part of the money.
    [{ refundedCredits: 1_000, refundedCents: 500, dispute: 'lost' }, 'refunded'],
  ] as const)('%o → %s', (standing, expected) => {
    expect(refundStatus({ ...bought, ...standing })).toBe(expected);
  });
});
