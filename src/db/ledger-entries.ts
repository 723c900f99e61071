import type { Db } from './database.js';

/** The org's whole ledger in entry order (its data export). */
export async function listLedgerEntries(db: Db, orgId: string) {
  return db.selectFrom('ledger_entries').selectAll().where('org_id', '=', orgId).orderBy('entry_id').execute();
}
