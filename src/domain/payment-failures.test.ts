import { describe, expect, it } from 'vitest';
import { paymentFailedDescription } from './payment-failures.js';

describe('a failed payment, in words', () => {
  it.each([
    ['card_declined', 'Payment failed: the card was declined.'],
    ['insufficient_funds', 'Payment failed: the card has insufficient funds.'],
    ['no_payment_method', 'Payment failed: there is no card on file.'],
    ['something_new', 'Payment failed: the payment did not go through.'],
    [null, 'Payment failed: the payment did not go through.'],
  ])('%s → %s', (code, sentence) => {
    expect(paymentFailedDescription(code)).toBe(sentence);
  });
});
