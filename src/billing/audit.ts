import type { Db } from '../db/database.js';
import { findViolations, type Violation } from '../db/audit.js';

export type { Violation };

/**
 * The ledger audit (SPEC §4): for every org, balance = sum of ledger entries, no bucket below zero,
 * overage within its limit, every usage row matched by its ledger debits. Empty = all rules hold.
 */
export async function auditLedger(db: Db, orgId: string | null = null, now: Date = new Date()): Promise<Violation[]> {
  return findViolations(db, orgId, now);
}
