import { sql } from 'kysely';
import type { Insertable } from 'kysely';
import type { Db } from './database.js';
import type { AuditEventsTable } from './schema.js';

export interface AuditFilter {
  /** Null reads the platform's own entries (API keys). */
  readonly orgId: string | null;
  readonly from?: Date | undefined;
  readonly to?: Date | undefined;
  /** A user id or API key id. */
  readonly actor?: string | undefined;
  /** An action, or its area: "settings" matches "settings.updated". */
  readonly action?: string | undefined;
}

export type AuditRow = Awaited<ReturnType<typeof listAuditEvents>>[number];

/** Newest first, by keyset on (at, seq). */
export async function listAuditEvents(db: Db, filter: AuditFilter, page: { limit: number; after?: { at: Date; seq: string } | undefined }) {
  // The platform's entries have a table of their own with the same columns (migration 0015).
  let query = db.selectFrom(filter.orgId === null ? 'platform_audit_events' : 'audit_events').selectAll().where('org_id', filter.orgId === null ? 'is' : '=', filter.orgId);
  if (filter.from) query = query.where('at', '>=', filter.from);
  if (filter.to) query = query.where('at', '<', filter.to);
  if (filter.actor) query = query.where('actor_id', '=', filter.actor);
  const action = filter.action;
  if (action) query = query.where((eb) => eb.or([eb('action', '=', action), eb('action', 'like', `${action.replace(/[\\%_]/g, '\\$&')}.%`)]));
  const after = page.after;
  if (after) query = query.where(sql<boolean>`(at, seq) < (${after.at}, ${after.seq}::bigint)`);
  return query.orderBy('at', 'desc').orderBy('seq', 'desc').limit(page.limit).execute();
}

/** One audit entry; one of no org (an API key) goes to the platform's own log (migration 0015). */
export async function insertAuditEvent(tx: Db, entry: Omit<Insertable<AuditEventsTable>, 'org_id'> & { org_id: string | null }): Promise<void> {
  const { org_id: orgId, ...values } = entry;
  if (orgId === null) await tx.insertInto('platform_audit_events').values({ ...values, org_id: null }).execute();
  else await tx.insertInto('audit_events').values({ ...values, org_id: orgId }).execute();
}
