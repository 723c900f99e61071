import { creditsForTokens } from '../domain/credits.js';
import { availableCredits, placeHold, reservationDenial } from '../domain/ledger.js';
import { findPlan } from '../domain/plans.js';
import type { BillingDeps } from './deps.js';
import { newId } from './ids.js';
import type { LedgerStep } from './ledger-batch.js';

export const DENIAL_REASONS = ['FEATURE_DISABLED', 'SUBSCRIPTION_INACTIVE', 'CREDITS_EXHAUSTED', 'OVERAGE_LIMIT_REACHED'] as const;
export type AuthorizeDenial = (typeof DENIAL_REASONS)[number];

export interface AuthorizeInput {
  readonly orgId: string;
  readonly userId: string;
  readonly feature: string;
  readonly action: string;
  readonly estimatedTokens?: number | undefined;
}

export type AuthorizeResult =
  | { allowed: true; hold_id: string; held_credits: number; expires_at: string; available: number | null }
  | { allowed: false; reason: AuthorizeDenial; available: number | null };

/**
 * "May this org run this AI action?" Checks, in order: the subscription is active, the module is on
 * the plan and enabled, and the estimated credits (1 without an estimate) can be reserved. When
 * allowed, a hold reserves them until the usage is recorded, the hold is released, or it expires.
 */
export function authorize(deps: BillingDeps, input: AuthorizeInput): Promise<AuthorizeResult> {
  return deps.ledger.submit(deps, input.orgId, authorizeStep(input));
}

export function authorizeStep(input: AuthorizeInput): LedgerStep<AuthorizeResult> {
  const credits = input.estimatedTokens === undefined ? 1 : creditsForTokens(input.estimatedTokens);
  return {
    apply(context) {
      const { book } = context;
      const { subscription, settings } = context.locked;
      const deny = (reason: AuthorizeDenial): AuthorizeResult => ({ allowed: false, reason, available: displayAvailable(availableCredits(book)) });
      if (subscription.status === 'canceled') return deny('SUBSCRIPTION_INACTIVE');
      const plan = findPlan(context.deps.catalog, subscription.plan_id);
      if (!plan?.features.includes(input.feature) || settings.disabled_modules.includes(input.feature)) return deny('FEATURE_DISABLED');
      const denial = reservationDenial(book, credits);
      if (denial) return deny(denial);
      const hold = { id: newId('hold'), credits, expiresAt: new Date(book.now.getTime() + context.deps.holdTtlSeconds * 1_000) };
      context.book = placeHold(book, hold);
      context.holdsById.set(hold.id, { credits, status: 'active' });
      context.newHolds.push({
        org_id: context.orgId,
        hold_id: hold.id,
        credits,
        status: 'active',
        user_id: input.userId,
        feature: input.feature,
        action: input.action,
        created_at: book.now,
        expires_at: hold.expiresAt,
        closed_at: null,
      });
      return { allowed: true, hold_id: hold.id, held_credits: credits, expires_at: hold.expiresAt.toISOString(), available: displayAvailable(availableCredits(context.book)) };
    },
  };
}

/**
 * Available credits as shown to people: null means unbounded (on-demand with no cap). It is shown
 * as 0 rather than negative when holds placed under looser settings exceed what is left.
 */
export function displayAvailable(available: number | null): number | null {
  return available === null ? null : Math.max(0, available);
}
