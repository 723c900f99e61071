import { clearLoginFailures, countRecentLoginFailures, deleteSession, findSession, findUserByEmail, insertSession, listUserOrgs, recordLoginFailure } from '../db/identity.js';
import type { Db } from '../db/database.js';
import type { Clock } from '../clock.js';
import { Failure } from '../domain/failures.js';
import { verifyPassword } from './passwords.js';
import { hashSecret, newSecret } from './tokens.js';

export const SESSION_TTL_MS = 7 * 24 * 60 * 60 * 1_000;

export interface LoginResult {
  readonly sessionToken: string;
  readonly csrfToken: string;
  readonly expiresAt: Date;
  readonly user: { id: string; email: string; name: string };
}

/** Failed sign-ins allowed per e-mail within the window before it is locked for the rest of it. */
export const LOGIN_MAX_FAILURES = 5;
export const LOGIN_WINDOW_MS = 15 * 60 * 1_000;

/**
 * E-mail + password → a new session (a fresh id on every login) with its own CSRF token. After five
 * failures within 15 minutes the e-mail is locked until the oldest of them is 15 minutes old, whether
 * the password is then right or not; unknown e-mails are counted too, so the answer tells nothing.
 */
export async function login(deps: { db: Db; clock: Clock }, input: { email: string; password: string }): Promise<LoginResult> {
  const now = deps.clock.now();
  const failures = await countRecentLoginFailures(deps.db, input.email, new Date(now.getTime() - LOGIN_WINDOW_MS));
  if (failures.count >= LOGIN_MAX_FAILURES && failures.oldest) {
    const retryAfterSeconds = Math.max(1, Math.ceil((failures.oldest.getTime() + LOGIN_WINDOW_MS - now.getTime()) / 1_000));
    throw new Failure('LOGIN_LOCKED', `Too many failed sign-ins for this e-mail; try again in ${Math.ceil(retryAfterSeconds / 60)} minutes.`, undefined, retryAfterSeconds);
  }
  const user = await findUserByEmail(deps.db, input.email);
  const valid = await verifyPassword(user?.password_hash ?? null, input.password);
  if (!user || !valid) {
    await recordLoginFailure(deps.db, input.email, now);
    throw new Failure('INVALID_CREDENTIALS');
  }
  await clearLoginFailures(deps.db, input.email);
  const sessionToken = newSecret('lbs_');
  const csrfToken = newSecret('');
  const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
  await insertSession(deps.db, { sessionHash: hashSecret(sessionToken), userId: user.user_id, csrfToken, now, expiresAt });
  return { sessionToken, csrfToken, expiresAt, user: { id: user.user_id, email: user.email, name: user.name } };
}

export async function logout(db: Db, sessionToken: string): Promise<void> {
  await deleteSession(db, hashSecret(sessionToken));
}

export async function sessionFor(deps: { db: Db; clock: Clock }, sessionToken: string) {
  return findSession(deps.db, hashSecret(sessionToken), deps.clock.now());
}

export async function describeUser(db: Db, user: { id: string; email: string; name: string }) {
  const orgs = await listUserOrgs(db, user.id);
  return { user, orgs: orgs.map((org) => ({ id: org.org_id, name: org.name, role: org.role })) };
}
