import { sql, type Insertable } from 'kysely';
import type { Db } from './database.js';
import type { BuiltinChargesTable, BuiltinDisputesTable, BuiltinRefundsTable } from './schema.js';

/**
 * What the built-in payment provider (providers/builtin.ts) keeps: its charges, refunds and disputes,
 * each keyed so that a retried request answers the first outcome.
 */

/** Records a charge unless its idempotency key made one already; answers the charge the key made. */
export async function recordBuiltinCharge(db: Db, row: Insertable<BuiltinChargesTable>) {
  await db.insertInto('builtin_charges').values(row).onConflict((conflict) => conflict.column('idempotency_key').doNothing()).execute();
  return db.selectFrom('builtin_charges').selectAll().where('idempotency_key', '=', row.idempotency_key).executeTakeFirstOrThrow();
}

export async function findBuiltinCharge(db: Db, idempotencyKey: string) {
  return db.selectFrom('builtin_charges').selectAll().where('idempotency_key', '=', idempotencyKey).executeTakeFirst();
}

export async function findBuiltinChargeById(db: Db, chargeId: string) {
  return db.selectFrom('builtin_charges').selectAll().where('charge_id', '=', chargeId).executeTakeFirst();
}

/** Records a refund unless its idempotency key made one already; answers the refund's id. */
export async function recordBuiltinRefund(db: Db, row: Insertable<BuiltinRefundsTable>): Promise<string> {
  await db.insertInto('builtin_refunds').values(row).onConflict((conflict) => conflict.column('idempotency_key').doNothing()).execute();
  const stored = await db.selectFrom('builtin_refunds').select('refund_id').where('idempotency_key', '=', row.idempotency_key).executeTakeFirstOrThrow();
  return stored.refund_id;
}

/** Opens the dispute of a charge (at most one per charge). */
export async function openBuiltinDispute(db: Db, row: Insertable<BuiltinDisputesTable>): Promise<void> {
  await db.insertInto('builtin_disputes').values(row).onConflict((conflict) => conflict.column('charge_id').doNothing()).execute();
}

/** Decides an open dispute; false when there is no such dispute needing a response. */
export async function decideBuiltinDispute(db: Db, input: { disputeId: string; outcome: 'won' | 'lost'; now: Date }): Promise<boolean> {
  const result = await db
    .updateTable('builtin_disputes')
    .set({ status: input.outcome, closed_at: input.now })
    .where('dispute_id', '=', input.disputeId)
    .where('status', '=', 'needs_response')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** The id of the event that tells of a built-in dispute's opening or closing. */
export function builtinDisputeEventId(disputeId: string, step: 'created' | 'closed'): string {
  return `evt_builtin_${disputeId}_${step}`;
}

/**
 * Built-in disputes whose opening or closing was not yet applied by the provider-event handler
 * (it remembers every event it applied in `provider_events`), oldest first.
 */
export async function undeliveredBuiltinDisputes(db: Db, limit = 100) {
  return db
    .selectFrom('builtin_disputes as d')
    .selectAll('d')
    .where(sql<boolean>`NOT EXISTS (SELECT 1 FROM provider_events e WHERE e.event_id = 'evt_builtin_' || d.dispute_id || '_created')
      OR (d.status <> 'needs_response' AND NOT EXISTS (SELECT 1 FROM provider_events e WHERE e.event_id = 'evt_builtin_' || d.dispute_id || '_closed'))`)
    .orderBy('d.created_at')
    .limit(limit)
    .execute();
}
