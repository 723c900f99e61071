import type { Db } from '../db/database.js';
import { findUser, updateUser } from '../db/identity.js';
import { Failure, invalidFields } from '../domain/failures.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { endOtherSessions } from './sessions.js';

/** Profile: a new name, and a new password only with the current one, which signs out every other session. */
export async function updateProfile(
  db: Db,
  input: { userId: string; sessionToken: string; name?: string | undefined; currentPassword?: string | undefined; newPassword?: string | undefined },
): Promise<{ id: string; email: string; name: string }> {
  const user = await findUser(db, input.userId);
  if (!user) throw new Failure('UNAUTHENTICATED');
  const change: { name?: string; password_hash?: string } = {};
  if (input.name !== undefined) change.name = input.name;
  if (input.newPassword !== undefined) {
    if (input.currentPassword === undefined) throw invalidFields({ current_password: ['is required to set a new password'] });
    if (!(await verifyPassword(user.password_hash, input.currentPassword))) throw invalidFields({ current_password: ['is not your current password'] });
    change.password_hash = await hashPassword(input.newPassword);
  }
  if (Object.keys(change).length > 0) {
    await db.transaction().execute(async (tx) => {
      await updateUser(tx, input.userId, change);
      if (change.password_hash !== undefined) await endOtherSessions(tx, { userId: input.userId, keepSessionToken: input.sessionToken });
    });
  }
  return { id: user.user_id, email: user.email, name: change.name ?? user.name };
}
