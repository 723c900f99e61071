import { useOrg, usePlans } from '../../queries.js';

export interface CreditPrice {
  readonly unitCents: number;
  readonly currency: string;
}

/**
 * The price of one credit: the org's plan's credit price (1 cent when it cannot be read); a quote,
 * which also knows contract prices, overrides it once one has been fetched.
 */
export function usePlanCreditPrice(orgId: string): { price: CreditPrice; error: unknown } {
  const org = useOrg(orgId);
  const plans = usePlans();
  const plan = plans.data?.items.find((item) => item.id === org.data?.plan);
  return {
    price: { unitCents: plan?.credit_price_cents ?? 1, currency: plan?.currency ?? 'USD' },
    error: org.error ?? plans.error,
  };
}
