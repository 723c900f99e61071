import { useEffect, useState } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api } from '../../api.js';
import { keys } from '../../queries.js';
import type { CreditQuote } from '../../types.js';
import type { CreditPrice } from './credit-price.js';
import { PURCHASE_MAX, PURCHASE_MIN, purchaseProblem, type PurchaseLimits } from './purchase-limits.js';
import { useDebounced } from './use-debounced.js';

/** The org's own purchase terms, as the latest quote told them. */
interface QuotedTerms {
  readonly limits: PurchaseLimits;
  /** Null until a quote has come. */
  readonly unitPrice: CreditPrice | null;
}

const DEFAULT_TERMS: QuotedTerms = { limits: { min: PURCHASE_MIN, max: PURCHASE_MAX }, unitPrice: null };

/**
 * The amount typed, checked against the org's limits, and its quote (price, tax, total) once typing
 * has paused. `quoteCurrent` only when the quote shown is for exactly the amount typed.
 */
export function usePurchaseQuote(orgId: string, text: string) {
  const [terms, setTerms] = useState<QuotedTerms>(DEFAULT_TERMS);
  const problem = purchaseProblem(text, terms.limits);
  const credits = problem ? null : Number(text.trim());
  const quotedCredits = useDebounced(credits, 300);

  const quote = useQuery({
    queryKey: keys.creditQuote(orgId, quotedCredits),
    queryFn: () => api<CreditQuote>('GET', `/v1/orgs/${orgId}/credit-purchases/quote?credits=${quotedCredits}`),
    enabled: quotedCredits !== null,
    placeholderData: keepPreviousData,
    staleTime: 60_000,
  });
  // The quote knows the org's real terms (a contract may change price and limits).
  useEffect(() => {
    if (!quote.data) return;
    const { min_credits: min, max_credits: max, unit_price_cents: unitCents, currency } = quote.data;
    setTerms((current) => ({
      limits: current.limits.min === min && current.limits.max === max ? current.limits : { min, max },
      unitPrice: { unitCents, currency },
    }));
  }, [quote.data]);

  const quoteCurrent = quote.data !== undefined && credits !== null && quote.data.credits === credits && !quote.isPlaceholderData && !quote.isFetching;
  return { problem, credits, limits: terms.limits, quotedPrice: terms.unitPrice, quote, quoteCurrent };
}
