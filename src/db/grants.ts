import type { Db } from './database.js';
import type { Grant } from '../domain/ledger.js';

/** A grant as stored, whatever it has left (a dispute gives credits back to a grant the freeze emptied). */
export async function loadGrant(tx: Db, orgId: string, grantId: string): Promise<Grant | undefined> {
  const row = await tx.selectFrom('grants').selectAll().where('org_id', '=', orgId).where('grant_id', '=', grantId).executeTakeFirst();
  if (!row) return undefined;
  return {
    id: row.grant_id,
    bucket: row.bucket,
    grantedCredits: Number(row.granted_credits),
    remainingCredits: Number(row.remaining_credits),
    expiresAt: row.expires_at,
    createdAt: row.created_at,
    creationOrder: Number(row.creation_order),
    reason: row.reason,
    periodStart: row.period_start,
    note: row.note,
  };
}
