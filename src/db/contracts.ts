import type { Db } from './database.js';
import type { ContractTerms } from './schema.js';

/** The org's enterprise contract terms, or null when it has none. */
export async function findContractTerms(db: Db, orgId: string): Promise<ContractTerms | null> {
  const row = await db.selectFrom('contracts').select('terms').where('org_id', '=', orgId).executeTakeFirst();
  return row?.terms ?? null;
}

/** Replaces the org's contract (one per org). */
export async function saveContract(tx: Db, contract: { orgId: string; terms: ContractTerms; now: Date }): Promise<void> {
  await tx
    .insertInto('contracts')
    .values({ org_id: contract.orgId, terms: JSON.stringify(contract.terms), updated_at: contract.now })
    .onConflict((conflict) => conflict.column('org_id').doUpdateSet({ terms: JSON.stringify(contract.terms), updated_at: contract.now }))
    .execute();
}
