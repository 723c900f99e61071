import { dayBoundary } from '../../format.js';

/** The usage filters as typed: days as "2026-02-03", the action as free text. */
export interface UsageFilterInputs {
  readonly from: string;
  readonly to: string;
  readonly userId: string;
  readonly feature: string;
  readonly actionText: string;
}

export const NO_FILTERS: UsageFilterInputs = { from: '', to: '', userId: '', feature: '', actionText: '' };

export function hasFilters(inputs: UsageFilterInputs): boolean {
  return Object.values(inputs).some((value) => value !== '');
}

/**
 * The filters as the usage API (and its CSV export) takes them, in a query string, or why they cannot
 * be sent. `action` is the action text once typing has paused; members only ever see their own usage.
 */
export function usageFilters({ inputs, action, isAdmin }: { inputs: UsageFilterInputs; action: string; isAdmin: boolean }): {
  query: string;
  rangeError: string | null;
} {
  const fromIso = inputs.from ? dayBoundary(inputs.from, false) : null;
  const toIso = inputs.to ? dayBoundary(inputs.to, true) : null;
  const params = new URLSearchParams();
  if (fromIso) params.set('from', fromIso);
  if (toIso) params.set('to', toIso);
  if (isAdmin && inputs.userId) params.set('user_id', inputs.userId);
  if (inputs.feature) params.set('feature', inputs.feature);
  if (action) params.set('action', action);
  return {
    query: params.toString(),
    rangeError: fromIso && toIso && fromIso >= toIso ? '“From” must be on or before “To”.' : null,
  };
}
