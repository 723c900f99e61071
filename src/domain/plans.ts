/** The plan catalog (SPEC §3). The defaults live in config/plans.json; LOUPE_PLANS_FILE replaces them. */

export interface Plan {
  readonly id: string;
  readonly name: string;
  readonly basePriceCents: number;
  readonly currency: string;
  readonly includedUsers: number;
  readonly includedCredits: number;
  /** The AI modules that exist on this plan. */
  readonly features: readonly string[];
  /** Enterprise: the real terms come from the org's contract. */
  readonly pricedByContract: boolean;
  /** Price of one purchased or overage credit. */
  readonly creditPriceCents: number;
}

export interface PlanCatalog {
  /** Every AI module the host app has; a feature outside this list is a bad request. */
  readonly modules: readonly string[];
  readonly plans: readonly Plan[];
}

export function findPlan(catalog: PlanCatalog, planId: string): Plan | undefined {
  return catalog.plans.find((plan) => plan.id === planId);
}

/** Default low-balance threshold: 10% of the plan's included credits (SPEC §6). */
export function defaultLowBalanceThreshold(includedCredits: number): number {
  return Math.floor(includedCredits / 10);
}

/** The terms an org is billed on: its plan, with an enterprise contract's overrides applied. */
export interface Terms {
  readonly planId: string;
  readonly planName: string;
  readonly currency: string;
  readonly basePriceCents: number;
  readonly includedCredits: number;
  readonly includedUsers: number;
  readonly periodUnit: 'month' | 'year';
  readonly creditPriceCents: number;
  readonly overagePriceCents: number;
  readonly purchaseMinCredits: number;
  readonly purchaseMaxCredits: number;
  readonly features: readonly string[];
}

/** SPEC §7: whole credits, 100 to 100,000 per transaction, unless a contract says otherwise. */
export const DEFAULT_PURCHASE_MIN_CREDITS = 100;
export const DEFAULT_PURCHASE_MAX_CREDITS = 100_000;

export interface ContractOverrides {
  readonly base_price_cents?: number | undefined;
  readonly included_credits?: number | undefined;
  readonly included_users?: number | undefined;
  readonly period_unit?: 'month' | 'year' | undefined;
  readonly credit_price_cents?: number | undefined;
  readonly overage_price_cents?: number | undefined;
  readonly purchase_min_credits?: number | undefined;
  readonly purchase_max_credits?: number | undefined;
}

export function effectiveTerms(plan: Plan, contract: ContractOverrides | null): Terms {
  const creditPrice = contract?.credit_price_cents ?? plan.creditPriceCents;
  return {
    planId: plan.id,
    planName: plan.name,
    currency: plan.currency,
    basePriceCents: contract?.base_price_cents ?? plan.basePriceCents,
    includedCredits: contract?.included_credits ?? plan.includedCredits,
    includedUsers: contract?.included_users ?? plan.includedUsers,
    periodUnit: contract?.period_unit ?? 'month',
    creditPriceCents: creditPrice,
    overagePriceCents: contract?.overage_price_cents ?? creditPrice,
    purchaseMinCredits: contract?.purchase_min_credits ?? DEFAULT_PURCHASE_MIN_CREDITS,
    purchaseMaxCredits: contract?.purchase_max_credits ?? DEFAULT_PURCHASE_MAX_CREDITS,
    features: plan.features,
  };
}

/** Plans are ranked by their order in the catalog: a later plan is an upgrade. */
export function isUpgrade(catalog: PlanCatalog, fromPlanId: string, toPlanId: string): boolean {
  const rank = (id: string) => catalog.plans.findIndex((plan) => plan.id === id);
  return rank(toPlanId) > rank(fromPlanId);
}
