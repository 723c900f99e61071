import { useRef } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, ApiError } from '../../api.js';
import { refreshAfterMoneyChange } from '../../queries.js';
import type { CreditPurchase } from '../../types.js';

/**
 * Buying credits, charged to the default card. One idempotency key per confirmed attempt, kept only
 * while the outcome is unknown, so that retrying the same amount after a lost answer can never charge twice.
 */
export function useCreditPurchase(orgId: string) {
  const queryClient = useQueryClient();
  const attempt = useRef<{ key: string; credits: number } | null>(null);
  const purchase = useMutation({
    mutationFn: (vars: { credits: number; key: string }) =>
      api<CreditPurchase>('POST', `/v1/orgs/${orgId}/credit-purchases`, { credits: vars.credits, idempotency_key: vars.key }),
    onSuccess: (result) => {
      if (result.status !== 'pending') attempt.current = null;
      refreshAfterMoneyChange(queryClient, orgId);
    },
    onError: (error) => {
      // A definite answer from the server settles the attempt; a lost one keeps its key.
      if (error instanceof ApiError && error.status < 500) attempt.current = null;
    },
  });
  const buy = (credits: number) => {
    if (!attempt.current || attempt.current.credits !== credits) attempt.current = { key: crypto.randomUUID(), credits };
    purchase.mutate({ credits, key: attempt.current.key });
  };
  return { purchase, buy };
}
