import type { Db } from './database.js';
import type { Role } from './schema.js';

export async function findUserByEmail(db: Db, email: string) {
  return db.selectFrom('users').selectAll().where('email', '=', email.toLowerCase()).executeTakeFirst();
}

export async function findUser(db: Db, userId: string) {
  return db.selectFrom('users').selectAll().where('user_id', '=', userId).executeTakeFirst();
}

export async function insertUser(
  tx: Db,
  user: { userId: string; email: string; name: string; passwordHash: string | null; now: Date },
): Promise<void> {
  await tx
    .insertInto('users')
    .values({ user_id: user.userId, email: user.email.toLowerCase(), name: user.name, password_hash: user.passwordHash, created_at: user.now })
    .execute();
}

export async function updateUser(tx: Db, userId: string, change: { name?: string; password_hash?: string }): Promise<void> {
  await tx.updateTable('users').set(change).where('user_id', '=', userId).execute();
}

export async function insertMembership(tx: Db, membership: { orgId: string; userId: string; role: Role; now: Date }): Promise<boolean> {
  const inserted = await tx
    .insertInto('memberships')
    .values({ org_id: membership.orgId, user_id: membership.userId, role: membership.role, created_at: membership.now })
    .onConflict((conflict) => conflict.columns(['org_id', 'user_id']).doNothing())
    .executeTakeFirst();
  return Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1;
}

export async function findMembership(db: Db, orgId: string, userId: string) {
  return db.selectFrom('memberships').selectAll().where('org_id', '=', orgId).where('user_id', '=', userId).executeTakeFirst();
}

export async function listUserOrgs(db: Db, userId: string) {
  return db
    .selectFrom('memberships')
    .innerJoin('orgs', 'orgs.org_id', 'memberships.org_id')
    .select(['orgs.org_id', 'orgs.name', 'memberships.role'])
    .where('memberships.user_id', '=', userId)
    .orderBy('orgs.name')
    .execute();
}

export async function listMembers(db: Db, orgId: string) {
  return db
    .selectFrom('memberships')
    .innerJoin('users', 'users.user_id', 'memberships.user_id')
    .select(['users.user_id', 'users.email', 'users.name', 'memberships.role', 'memberships.created_at'])
    .where('memberships.org_id', '=', orgId)
    .orderBy('memberships.created_at')
    .execute();
}

export async function insertSession(
  db: Db,
  session: { sessionHash: string; userId: string; csrfToken: string; now: Date; expiresAt: Date },
): Promise<void> {
  await db
    .insertInto('sessions')
    .values({
      session_hash: session.sessionHash,
      user_id: session.userId,
      csrf_token: session.csrfToken,
      created_at: session.now,
      expires_at: session.expiresAt,
    })
    .execute();
}

export async function findSession(db: Db, sessionHash: string, now: Date) {
  return db
    .selectFrom('sessions')
    .selectAll()
    .where('session_hash', '=', sessionHash)
    .where('expires_at', '>', now)
    .executeTakeFirst();
}

export async function deleteSession(db: Db, sessionHash: string): Promise<void> {
  await db.deleteFrom('sessions').where('session_hash', '=', sessionHash).execute();
}

export async function findApiKey(db: Db, keyHash: string) {
  return db.selectFrom('api_keys').selectAll().where('key_hash', '=', keyHash).where('revoked_at', 'is', null).executeTakeFirst();
}

export async function ensureApiKey(db: Db, key: { keyId: string; keyHash: string; name: string; now: Date }): Promise<void> {
  await db
    .insertInto('api_keys')
    .values({ key_id: key.keyId, key_hash: key.keyHash, name: key.name, created_at: key.now, revoked_at: null })
    .onConflict((conflict) => conflict.column('key_hash').doNothing())
    .execute();
}

export async function countRecentLoginFailures(db: Db, email: string, since: Date): Promise<{ count: number; oldest: Date | null }> {
  const row = await db
    .selectFrom('login_failures')
    .select((eb) => [eb.fn.countAll<number>().as('count'), eb.fn.min('failed_at').as('oldest')])
    .where('email', '=', email.toLowerCase())
    .where('failed_at', '>', since)
    .executeTakeFirstOrThrow();
  return { count: Number(row.count), oldest: (row.oldest as Date | null) ?? null };
}

export async function recordLoginFailure(db: Db, email: string, at: Date): Promise<void> {
  await db.insertInto('login_failures').values({ email: email.toLowerCase(), failed_at: at }).execute();
}

export async function clearLoginFailures(db: Db, email: string): Promise<void> {
  await db.deleteFrom('login_failures').where('email', '=', email.toLowerCase()).execute();
}

export async function listApiKeys(db: Db) {
  return db.selectFrom('api_keys').select(['key_id', 'name', 'created_at', 'revoked_at']).orderBy('created_at').execute();
}

export async function revokeApiKey(db: Db, keyId: string, now: Date): Promise<boolean> {
  const result = await db.updateTable('api_keys').set({ revoked_at: now }).where('key_id', '=', keyId).where('revoked_at', 'is', null).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
