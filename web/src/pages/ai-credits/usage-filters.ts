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
 * "2026-02-03" → the start of that day in the viewer's time zone (the zone the table's times are
 * shown in), or of the next day for an exclusive end. Days are counted on the calendar, not as 24
 * hours, so a day with a daylight-saving change is whole too.
 */
function dayBoundary(day: string, next: boolean): string | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) return null;
  const start = new Date(0);
  // setFullYear, not the Date constructor, which would read the years 0–99 as 1900–1999.
  start.setFullYear(Number(match[1]), Number(match[2]) - 1, Number(match[3]) + (next ? 1 : 0));
  start.setHours(0, 0, 0, 0);
  return Number.isNaN(start.getTime()) ? null : start.toISOString();
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
