/**
 * What a failed payment's code means, as a sentence for the person who reads the billing history
 * (the codes are the payment provider's: Stripe's decline codes, which the built-in provider follows).
 */
const REASONS: Record<string, string> = {
  card_declined: 'the card was declined',
  generic_decline: 'the card was declined',
  insufficient_funds: 'the card has insufficient funds',
  expired_card: 'the card has expired',
  incorrect_cvc: 'the card’s security code was wrong',
  processing_error: 'the card network had an error; it is tried again',
  authentication_required: 'the bank asked for a confirmation that was not given',
  no_payment_method: 'there is no card on file',
};

/** Why a payment failed, as the end of a sentence: "the card was declined". */
export function paymentFailureReason(failureCode: string | null | undefined): string {
  return (failureCode !== null && failureCode !== undefined && REASONS[failureCode]) || 'the payment did not go through';
}

export function paymentFailedDescription(failureCode: string | null): string {
  return `Payment failed: ${paymentFailureReason(failureCode)}.`;
}
