import { sql, type Insertable } from 'kysely';
import type { Db } from './database.js';
import type { NotificationsTable } from './schema.js';

/** A user's in-app notifications (the platform key, user null, sees the org's), newest first. */
export async function listNotifications(db: Db, input: { orgId: string; userId: string | null; unreadOnly: boolean; limit: number; after?: { at: Date; id: string } | undefined }) {
  let query = db.selectFrom('notifications').selectAll().where('org_id', '=', input.orgId);
  if (input.userId !== null) query = query.where('user_id', '=', input.userId);
  if (input.unreadOnly) query = query.where('read_at', 'is', null);
  if (input.after) query = query.where(sql<boolean>`(created_at, notification_id) < (${input.after.at}, ${input.after.id})`);
  return query.orderBy('created_at', 'desc').orderBy('notification_id', 'desc').limit(input.limit).execute();
}

export async function insertNotifications(tx: Db, rows: readonly Insertable<NotificationsTable>[]): Promise<void> {
  if (rows.length > 0) await tx.insertInto('notifications').values([...rows]).execute();
}

/** Whether the notification is there for this reader (the platform key, user null, reads the org's). */
export async function notificationExists(db: Db, input: { orgId: string; userId: string | null; notificationId: string }): Promise<boolean> {
  const row = await db
    .selectFrom('notifications')
    .select('notification_id')
    .where('org_id', '=', input.orgId)
    .where('notification_id', '=', input.notificationId)
    .$if(input.userId !== null, (query) => query.where('user_id', '=', input.userId as string))
    .executeTakeFirst();
  return row !== undefined;
}

export async function countUnread(db: Db, orgId: string, userId: string | null): Promise<number> {
  let query = db.selectFrom('notifications').select((eb) => eb.fn.countAll<number>().as('count')).where('org_id', '=', orgId).where('read_at', 'is', null);
  if (userId !== null) query = query.where('user_id', '=', userId);
  return Number((await query.executeTakeFirstOrThrow()).count);
}

export async function markRead(db: Db, input: { orgId: string; userId: string | null; notificationId?: string; now: Date }): Promise<number> {
  let query = db.updateTable('notifications').set({ read_at: input.now }).where('org_id', '=', input.orgId).where('read_at', 'is', null);
  if (input.userId !== null) query = query.where('user_id', '=', input.userId);
  if (input.notificationId !== undefined) query = query.where('notification_id', '=', input.notificationId);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function listEmails(db: Db, orgId: string, limit: number) {
  return db.selectFrom('email_messages').selectAll().where('org_id', '=', orgId).orderBy('created_at', 'desc').orderBy('message_id', 'desc').limit(limit).execute();
}

