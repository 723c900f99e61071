import { describe, expect, it } from 'vitest';
import { effectiveTerms, type Plan } from './plans.js';

/** effectiveTerms: a plan's own terms, and what each contract override replaces (and only that). */
const TEAM: Plan = {
  id: 'team',
  name: 'Team',
  basePriceCents: 19_900,
  currency: 'USD',
  includedUsers: 20,
  includedCredits: 10_000,
  features: ['assistant', 'reports'],
  pricedByContract: false,
  creditPriceCents: 1,
};

describe('effectiveTerms', () => {
  it('without a contract: the plan, monthly, 100 to 100,000 credits per purchase, overage at the credit price', () => {
    expect(effectiveTerms(TEAM, null)).toEqual({
      planId: 'team',
      planName: 'Team',
      currency: 'USD',
      basePriceCents: 19_900,
      includedCredits: 10_000,
      includedUsers: 20,
      periodUnit: 'month',
      creditPriceCents: 1,
      overagePriceCents: 1,
      purchaseMinCredits: 100,
      purchaseMaxCredits: 100_000,
      features: ['assistant', 'reports'],
    });
  });

  it('an empty contract changes nothing', () => {
    expect(effectiveTerms(TEAM, {})).toEqual(effectiveTerms(TEAM, null));
  });

  it('a contract credit price also prices overage, unless the contract prices overage itself', () => {
    expect(effectiveTerms(TEAM, { credit_price_cents: 2 })).toMatchObject({ creditPriceCents: 2, overagePriceCents: 2 });
    expect(effectiveTerms(TEAM, { credit_price_cents: 2, overage_price_cents: 3 })).toMatchObject({ creditPriceCents: 2, overagePriceCents: 3 });
    expect(effectiveTerms(TEAM, { overage_price_cents: 3 })).toMatchObject({ creditPriceCents: 1, overagePriceCents: 3 });
  });

  it('zeros in a contract are terms, not gaps: no base price, no included credits', () => {
    expect(effectiveTerms(TEAM, { base_price_cents: 0, included_credits: 0 })).toMatchObject({ basePriceCents: 0, includedCredits: 0, includedUsers: 20 });
  });

  it('a yearly contract with its own purchase range', () => {
    expect(effectiveTerms(TEAM, { period_unit: 'year', purchase_min_credits: 1, purchase_max_credits: 5_000_000, included_users: 500 })).toMatchObject({
      periodUnit: 'year',
      purchaseMinCredits: 1,
      purchaseMaxCredits: 5_000_000,
      includedUsers: 500,
      basePriceCents: 19_900,
    });
  });
});
