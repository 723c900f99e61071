import type { ContractTerms } from '../db/schema.js';
import { findContractTerms, saveContract } from '../db/contracts.js';
import { invalidFields } from '../domain/failures.js';
import type { BillingDeps } from './deps.js';
import { withOrgLedger } from './org-ledger.js';
import { recordAudit } from '../audit/record-audit.js';

/**
 * An enterprise contract (SPEC §3): its terms override the plan's for this org. Prices and purchase
 * limits apply at once; included credits and the period length from the next period on.
 * The terms sent replace the previous contract; an empty object removes every override.
 */
export async function setContract(deps: BillingDeps, orgId: string, terms: ContractTerms): Promise<ContractTerms> {
  const min = terms.purchase_min_credits;
  const max = terms.purchase_max_credits;
  if (min !== undefined && max !== undefined && min > max) {
    throw invalidFields({ purchase_min_credits: ['must not exceed purchase_max_credits'], purchase_max_credits: ['must not be below purchase_min_credits'] });
  }
  return withOrgLedger(deps, orgId, async ({ tx, book, contract }) => {
    await recordAudit(tx, { orgId, action: 'contract.set', target: 'contract', before: contract ?? {}, after: terms, now: book.now });
    await saveContract(tx, { orgId, terms, now: book.now });
    return { book, result: terms };
  });
}

export async function getContract(deps: BillingDeps, orgId: string): Promise<ContractTerms> {
  return (await findContractTerms(deps.db, orgId)) ?? {};
}
