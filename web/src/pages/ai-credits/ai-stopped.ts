import { formatCredits } from '../../format.js';
import type { Balance } from '../../types.js';
import { FIELD_IDS, fieldLink } from './focus-field.js';

/** What a person can do about AI being stopped: a link for an admin, a sentence for a member. */
export type StoppedFix =
  | { readonly kind: 'links'; readonly links: readonly { readonly label: string; readonly to: { pathname: string; hash?: string } }[] }
  | { readonly kind: 'ask'; readonly sentence: string };

export interface StoppedState {
  readonly sentence: string;
  readonly fix: StoppedFix;
}

/**
 * Why new AI actions are refused right now (the balance's `ai_stopped`) in the help page's words,
 * with the one thing that starts them again. Members cannot buy credits or change settings, so they
 * are told whom to ask, never to buy.
 */
export function aiStoppedState(balance: Balance, isAdmin: boolean): StoppedState | null {
  switch (balance.ai_stopped) {
    case null:
      return null;
    case 'CREDITS_EXHAUSTED':
      return {
        sentence: 'AI features are stopped: your organization has used all its credits.',
        fix: isAdmin
          ? {
              kind: 'links',
              links: [
                { label: 'Buy credits', to: fieldLink(FIELD_IDS.purchaseAmount) },
                // Exhausted with on-demand usage on cannot happen (that is the limit); never advise what is already done.
                ...(balance.overage.enabled ? [] : [{ label: 'Turn on on-demand usage', to: fieldLink(FIELD_IDS.onDemandEnabled) }]),
              ],
            }
          : { kind: 'ask', sentence: 'Ask an admin to buy credits.' },
      };
    case 'OVERAGE_LIMIT_REACHED':
      return {
        sentence: `AI features are stopped: your organization has reached its on-demand limit of ${formatCredits(balance.overage.limit)} credits this month.`,
        fix: isAdmin
          ? { kind: 'links', links: [{ label: 'Raise the limit', to: fieldLink(FIELD_IDS.onDemandLimit) }] }
          : { kind: 'ask', sentence: 'Ask an admin to raise the on-demand limit.' },
      };
    case 'SUBSCRIPTION_INACTIVE':
      return {
        sentence: 'AI features are stopped: your organization’s subscription has ended.',
        fix: isAdmin ? { kind: 'links', links: [{ label: 'Choose a plan', to: { pathname: '/billing' } }] } : { kind: 'ask', sentence: 'Ask an admin to choose a plan.' },
      };
  }
}
