import { useQuery } from '@tanstack/react-query';
import { api } from './api.js';
import { useSession } from './auth.js';

/** A saved card as the API answers it (GET …/payment-methods): never more than brand, last 4 and expiry. */
export interface PaymentMethod {
  id: string;
  brand: string;
  last4: string;
  exp_month: number;
  exp_year: number;
  default: boolean;
}

const BRANDS: Record<string, string> = { visa: 'Visa', mastercard: 'Mastercard', amex: 'American Express', discover: 'Discover' };

/** "Visa •••• 4242": the card as a person recognises it. */
export function cardLabel(method: PaymentMethod): string {
  const brand = BRANDS[method.brand.toLowerCase()] ?? (method.brand && method.brand !== 'unknown' ? method.brand : 'Card');
  return `${brand} •••• ${method.last4}`;
}

/** "Visa •••• 4242, expires 12/2030". */
export function cardName(method: PaymentMethod): string {
  return `${cardLabel(method)}, expires ${String(method.exp_month).padStart(2, '0')}/${method.exp_year}`;
}

/** The org's saved cards (admins only), shared by Billing and the purchase form. */
export function usePaymentMethods(enabled = true) {
  const { orgId } = useSession();
  return useQuery({
    queryKey: ['billing', orgId, 'payment-methods'],
    queryFn: () => api<{ items: PaymentMethod[] }>('GET', `/v1/orgs/${orgId}/payment-methods`),
    enabled,
  });
}
