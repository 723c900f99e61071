import type { Db } from './database.js';
import type { Hold } from '../domain/ledger.js';

export async function insertHold(
  tx: Db,
  input: { orgId: string; hold: Hold; userId: string; feature: string; action: string; now: Date },
): Promise<void> {
  await tx
    .insertInto('holds')
    .values({
      org_id: input.orgId,
      hold_id: input.hold.id,
      credits: input.hold.credits,
      status: 'active',
      user_id: input.userId,
      feature: input.feature,
      action: input.action,
      created_at: input.now,
      expires_at: input.hold.expiresAt,
      closed_at: null,
    })
    .execute();
}

export async function findHold(db: Db, orgId: string, holdId: string) {
  return db.selectFrom('holds').selectAll().where('org_id', '=', orgId).where('hold_id', '=', holdId).executeTakeFirst();
}
