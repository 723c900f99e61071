import type { PaymentMethod } from './types.js';

const BRANDS: Record<string, string> = { visa: 'Visa', mastercard: 'Mastercard', amex: 'American Express', discover: 'Discover' };

/** "Visa •••• 4242": the card as a person recognises it. */
export function cardLabel(method: Pick<PaymentMethod, 'brand' | 'last4'>): string {
  const brand = BRANDS[method.brand.toLowerCase()] ?? (method.brand && method.brand !== 'unknown' ? method.brand : 'Card');
  return `${brand} •••• ${method.last4}`;
}

/** "Visa •••• 4242, expires 12/2030". */
export function cardName(method: PaymentMethod): string {
  return `${cardLabel(method)}, expires ${String(method.exp_month).padStart(2, '0')}/${method.exp_year}`;
}
