import { deleteSession, findSession, findUserByEmail, insertSession, listUserOrgs } from '../db/identity.js';
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

/** E-mail + password → a new session (a fresh id on every login) with its own CSRF token. */
export async function login(deps: { db: Db; clock: Clock }, input: { email: string; password: string }): Promise<LoginResult> {
  const user = await findUserByEmail(deps.db, input.email);
  const valid = await verifyPassword(user?.password_hash ?? null, input.password);
  if (!user || !valid) throw new Failure('INVALID_CREDENTIALS');
  const sessionToken = newSecret('lbs_');
  const csrfToken = newSecret('');
  const now = deps.clock.now();
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
