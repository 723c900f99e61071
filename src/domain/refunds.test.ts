import { describe, expect, it } from 'vitest';
import { formatCreditNoteNumber, refundMoney } from './refunds.js';

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
