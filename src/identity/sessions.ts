import { clearLoginFailures, deleteSession, deleteUserSessions, findSession, findUserByEmail, insertSession, listUserOrgs, reserveLoginAttempt } from '../db/identity.js';
import type { Db } from '../db/database.js';
import type { Clock } from '../clock.js';
import { Failure } from '../domain/failures.js';
import { verifyPassword } from './passwords.js';
import { hashSecret, newSecret } from './tokens.js';
import { recordSignIn } from '../audit/record-audit.js';

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
 * Each attempt is counted as a failure before its password is checked (and the count cleared when it
 * was right), so five is the most that simultaneous guesses can check, however many are sent at once.
 */
export async function login(deps: { db: Db; clock: Clock }, input: { email: string; password: string }): Promise<LoginResult> {
  const now = deps.clock.now();
  const attempt = await reserveLoginAttempt(deps.db, { email: input.email, since: new Date(now.getTime() - LOGIN_WINDOW_MS), now, max: LOGIN_MAX_FAILURES });
  if (!attempt.allowed) {
    const retryAfterSeconds = Math.max(1, Math.ceil((attempt.oldest.getTime() + LOGIN_WINDOW_MS - now.getTime()) / 1_000));
    throw new Failure('LOGIN_LOCKED', `Too many failed sign-ins for this e-mail; try again in ${Math.ceil(retryAfterSeconds / 60)} minutes.`, undefined, retryAfterSeconds);
  }
  const user = await findUserByEmail(deps.db, input.email);
  const valid = await verifyPassword(user?.password_hash ?? null, input.password);
  if (!user || !valid) {
    if (user) await recordSignIn(deps.db, { userId: user.user_id, succeeded: false, now });
    throw new Failure('INVALID_CREDENTIALS');
  }
  await clearLoginFailures(deps.db, input.email);
  await recordSignIn(deps.db, { userId: user.user_id, succeeded: true, now });
  return startSession(deps, { id: user.user_id, email: user.email, name: user.name });
}

/** A new session for a user who has just proved who they are (sign-in, accepted invitation). */
export async function startSession(deps: { db: Db; clock: Clock }, user: { id: string; email: string; name: string }): Promise<LoginResult> {
  const now = deps.clock.now();
  const sessionToken = newSecret('lbs_');
  const csrfToken = newSecret('');
  const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
  await insertSession(deps.db, { sessionHash: hashSecret(sessionToken), userId: user.id, csrfToken, now, expiresAt });
  return { sessionToken, csrfToken, expiresAt, user };
}

export async function logout(db: Db, sessionToken: string): Promise<void> {
  await deleteSession(db, hashSecret(sessionToken));
}

/** After a password change every other session of the user ends; the one that made the change stays. */
export async function endOtherSessions(db: Db, input: { userId: string; keepSessionToken: string | null }): Promise<void> {
  await deleteUserSessions(db, { userId: input.userId, exceptSessionHash: input.keepSessionToken === null ? null : hashSecret(input.keepSessionToken) });
}

export async function sessionFor(deps: { db: Db; clock: Clock }, sessionToken: string) {
  return findSession(deps.db, hashSecret(sessionToken), deps.clock.now());
}

export async function describeUser(db: Db, user: { id: string; email: string; name: string }) {
  const orgs = await listUserOrgs(db, user.id);
  return { user, orgs: orgs.map((org) => ({ id: org.org_id, name: org.name, role: org.role })) };
}
