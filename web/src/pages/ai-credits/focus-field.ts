import { useEffect } from 'react';
import { useLocation } from 'react-router';

/**
 * The fields a notice can send a person to ("Buy credits", "Raise the limit"): links to
 * `/admin/ai-credits#<id>`, so that they work from any page and open the field ready to type in.
 */
export const FIELD_IDS = {
  purchaseAmount: 'purchase-credits-amount',
  onDemandEnabled: 'on-demand-enabled',
  onDemandLimit: 'on-demand-limit',
} as const;

export function fieldLink(id: (typeof FIELD_IDS)[keyof typeof FIELD_IDS]) {
  return { pathname: '/admin/ai-credits', hash: `#${id}` };
}

/**
 * Scrolls to and focuses the field `id` when the page was opened with its link. Called by the
 * component that renders the field, so it runs once the field is there (sections load on their own);
 * the location's key changes on every click, so the same link works twice.
 */
export function useFocusWhenLinked(id: string): void {
  const location = useLocation();
  useEffect(() => {
    if (location.hash !== `#${id}`) return;
    const field = document.getElementById(id);
    if (!field) return;
    field.scrollIntoView({ block: 'center' });
    field.focus({ preventScroll: true });
  }, [location.key, location.hash, id]);
}
