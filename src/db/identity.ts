import { sql } from 'kysely';
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

export async function deleteMembership(tx: Db, input: { orgId: string; userId: string }): Promise<void> {
  await tx.deleteFrom('memberships').where('org_id', '=', input.orgId).where('user_id', '=', input.userId).execute();
}

export async function updateMembershipRole(tx: Db, input: { orgId: string; userId: string; role: Role }): Promise<void> {
  await tx.updateTable('memberships').set({ role: input.role }).where('org_id', '=', input.orgId).where('user_id', '=', input.userId).execute();
}

export async function countAdmins(db: Db, orgId: string): Promise<number> {
  const row = await db
    .selectFrom('memberships')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('org_id', '=', orgId)
    .where('role', '=', 'admin')
    .executeTakeFirstOrThrow();
  return Number(row.count);
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

/** Ends every session of a user but the one named (null: all of them). */
export async function deleteUserSessions(db: Db, input: { userId: string; exceptSessionHash: string | null }): Promise<void> {
  let query = db.deleteFrom('sessions').where('user_id', '=', input.userId);
  if (input.exceptSessionHash !== null) query = query.where('session_hash', '!=', input.exceptSessionHash);
  await query.execute();
}

/** The org's admins with their e-mail addresses (they are told of its events). */
export async function listAdminContacts(db: Db, orgId: string) {
  return db
    .selectFrom('memberships')
    .innerJoin('users', 'users.user_id', 'memberships.user_id')
    .select(['users.user_id', 'users.email'])
    .where('memberships.org_id', '=', orgId)
    .where('memberships.role', '=', 'admin')
    .execute();
}

/** The ids of the orgs the user belongs to. */
export async function listUserOrgIds(db: Db, userId: string) {
  return db.selectFrom('memberships').select('org_id').where('user_id', '=', userId).execute();
}

/** A user's name, for the audit log. */
export async function findUserName(db: Db, userId: string) {
  return db.selectFrom('users').select(['user_id', 'name']).where('user_id', '=', userId).executeTakeFirst();
}

/** An API key's id and name by its hash, revoked or not, for the audit log. */
export async function findApiKeyName(db: Db, keyHash: string) {
  return db.selectFrom('api_keys').select(['key_id', 'name']).where('key_hash', '=', keyHash).executeTakeFirst();
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

/**
 * Counts a sign-in attempt as failed before its password is checked, unless `max` failures within
 * the window are recorded already: then nothing is written and the oldest failure is returned, so the
 * lock lasts until it leaves the window. A per-e-mail advisory lock makes count-and-insert atomic, so
 * simultaneous guesses cannot all pass the count. A successful sign-in clears the failures.
 */
export async function reserveLoginAttempt(db: Db, input: { email: string; since: Date; now: Date; max: number }): Promise<{ allowed: true } | { allowed: false; oldest: Date }> {
  const email = input.email.toLowerCase();
  return db.transaction().execute(async (tx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`login:${email}`}, 0))`.execute(tx);
    const row = await tx
      .selectFrom('login_failures')
      .select((eb) => [eb.fn.countAll<number>().as('count'), eb.fn.min('failed_at').as('oldest')])
      .where('email', '=', email)
      .where('failed_at', '>', input.since)
      .executeTakeFirstOrThrow();
    if (Number(row.count) >= input.max && row.oldest) return { allowed: false, oldest: row.oldest as Date };
    await tx.insertInto('login_failures').values({ email, failed_at: input.now }).execute();
    return { allowed: true };
  });
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

export async function countMembers(db: Db, orgId: string): Promise<number> {
  const row = await db
    .selectFrom('memberships')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('org_id', '=', orgId)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}
