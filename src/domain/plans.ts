/** The plan catalog (SPEC §3). The defaults live in config/plans.json; LOUPE_PLANS_FILE replaces them. */

export const DEFAULT_AI_MODULES = ['assistant', 'reports', 'documents', 'inspections', 'analytics'] as const;

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
