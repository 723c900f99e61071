import type { Db } from '../db/database.js';
import type { Role } from '../db/schema.js';
import { lockExistingOrg } from '../db/orgs.js';
import { findUser, findUserByEmail, findMembership, insertMembership, insertUser, updateUser } from '../db/identity.js';
import {
  findInvitationByTokenHash,
  insertConfidentialEmail,
  insertInvitation,
  listPendingInvitations,
  markInvitationAccepted,
  revokeInvitation as markRevoked,
  revokeOpenInvitation,
  type InvitationRow,
} from '../db/invitations.js';
import { Failure, invalidFields } from '../domain/failures.js';
import { recordAudit } from '../audit/record-audit.js';
import type { BillingDeps } from '../billing/deps.js';
import { newId } from '../domain/ids.js';
import { publishEvent } from '../notifications/publish.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { assertSeatFree } from './seats.js';
import { startSession, type LoginResult } from './sessions.js';
import { hashSecret, newSecret } from './tokens.js';

/** An invitation can be accepted for a week; a new invitation of the same e-mail replaces it. */
export const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1_000;
/** Where invitation links point when LOUPE_PUBLIC_URL is not set. */
export const DEFAULT_PUBLIC_URL = 'http://127.0.0.1:3000';

export interface InvitationView {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly role: Role;
  readonly created_at: string;
  readonly expires_at: string;
  /** Only in the platform key's answer when it creates the invitation (the host app may deliver it). */
  readonly accept_url?: string;
}

export function invitationView(row: InvitationRow): InvitationView {
  return { id: row.invitation_id, email: row.email, name: row.name, role: row.role, created_at: row.created_at.toISOString(), expires_at: row.expires_at.toISOString() };
}

/** The link in the e-mail: the token is in the fragment, which browsers never send to a server or a log. */
function acceptUrl(deps: BillingDeps, token: string): string {
  return `${(deps.publicUrl ?? DEFAULT_PUBLIC_URL).replace(/\/+$/, '')}/accept-invitation#token=${token}`;
}

/**
 * Records an invitation (replacing an open one of the same e-mail), reserves its seat, and e-mails
 * the link to the invitee only. Runs in the caller's transaction with the org row locked. A member
 * provisioned by the platform key without a password is sent one too, to choose their password.
 */
export async function createInvitation(
  tx: Db,
  deps: BillingDeps,
  input: {
    orgId: string;
    orgName: string;
    email: string;
    name: string;
    role: Role;
    actor: { kind: 'platform' } | { kind: 'user'; userId: string };
    existingAccount: boolean;
    /** False when the invitee is a member already and is only asked to choose a password. */
    reserveSeat: boolean;
    now: Date;
  },
): Promise<InvitationView> {
  await revokeOpenInvitation(tx, { orgId: input.orgId, email: input.email, now: input.now });
  if (input.reserveSeat) await assertSeatFree(tx, { catalog: deps.catalog, orgId: input.orgId, now: input.now });
  const token = newSecret('lbi_');
  const invitationId = newId('inv');
  const expiresAt = new Date(input.now.getTime() + INVITATION_TTL_MS);
  const invitedBy = input.actor.kind === 'platform' ? 'platform' : input.actor.userId;
  await insertInvitation(tx, { orgId: input.orgId, invitationId, email: input.email, name: input.name, role: input.role, tokenHash: hashSecret(token), invitedBy, now: input.now, expiresAt });
  const inviter = input.actor.kind === 'user' ? await findUser(tx, input.actor.userId) : undefined;
  const eventId = await publishEvent(
    tx,
    { orgId: input.orgId, type: 'member.invited', data: { invitation_id: invitationId, email: input.email, role: input.role, expires_at: expiresAt.toISOString() }, now: input.now },
    { mailer: deps.mailer },
  );
  const link = acceptUrl(deps, token);
  const how = input.existingAccount
    ? 'Open this link and sign in with the password of your existing account to join'
    : 'Open this link to choose your password and join';
  await insertConfidentialEmail(tx, {
    orgId: input.orgId,
    messageId: newId('msg'),
    eventId,
    to: input.email,
    subject: `You are invited to ${input.orgName}`,
    body: `${inviter ? `${inviter.name} invited you` : 'You are invited'} to join ${input.orgName} as ${input.role === 'admin' ? 'an admin' : 'a member'}. ${how} (the link works once and expires on ${expiresAt.toUTCString()}):\n\n${link}\n\nIf you did not expect this invitation, ignore this e-mail.`,
    send: deps.mailer !== null,
    now: input.now,
  });
  const view = { id: invitationId, email: input.email, name: input.name, role: input.role, created_at: input.now.toISOString(), expires_at: expiresAt.toISOString() };
  return input.actor.kind === 'platform' ? { ...view, accept_url: link } : view;
}

export async function listInvitations(deps: BillingDeps, orgId: string): Promise<InvitationView[]> {
  return (await listPendingInvitations(deps.db, orgId, deps.clock.now())).map(invitationView);
}

export async function revokeInvitation(deps: BillingDeps, input: { orgId: string; invitationId: string }): Promise<void> {
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (tx) => {
    const revoked = await markRevoked(tx, { orgId: input.orgId, invitationId: input.invitationId, now });
    if (!revoked) throw new Failure('INVITATION_NOT_FOUND');
    await recordAudit(tx, { orgId: input.orgId, action: 'invitation.revoked', target: input.invitationId, before: { email: revoked.email, role: revoked.role }, now });
  });
}

/** What the invitee sees before accepting: whose invitation, for which e-mail, and whether they have an account. */
export async function previewInvitation(deps: BillingDeps, token: string) {
  const invitation = await openInvitation(deps.db, token, deps.clock.now(), { lock: false });
  const account = await findUserByEmail(deps.db, invitation.email);
  return {
    org: { id: invitation.org_id, name: invitation.org_name },
    email: invitation.email,
    name: invitation.name,
    role: invitation.role,
    existing_account: account !== undefined && account.password_hash !== null,
    expires_at: invitation.expires_at.toISOString(),
  };
}

/**
 * Accepts an invitation: a new invitee chooses their password here; an existing account proves
 * itself with its own password (an account that never had one takes the password given, since the
 * token proves the mailbox). The token works once. The invitee is signed in.
 */
export async function acceptInvitation(deps: BillingDeps, input: { token: string; password: string; name?: string | undefined }): Promise<LoginResult> {
  const passwordHash = await hashPassword(input.password);
  const user = await deps.db.transaction().execute(async (tx) => {
    const now = deps.clock.now();
    const invitation = await openInvitation(tx, input.token, now, { lock: true });
    await lockExistingOrg(tx, invitation.org_id);
    let account = await findUserByEmail(tx, invitation.email);
    if (account && account.password_hash !== null) {
      if (!(await verifyPassword(account.password_hash, input.password))) throw invalidFields({ password: ['is not the password of your existing account'] });
    } else if (account) {
      await updateUser(tx, account.user_id, { password_hash: passwordHash });
    } else {
      const userId = newId('usr');
      await insertUser(tx, { userId, email: invitation.email, name: input.name ?? invitation.name, passwordHash, now });
      account = await findUserByEmail(tx, invitation.email);
    }
    if (!account) throw new Error(`user ${invitation.email} vanished while accepting an invitation`);
    if (!(await findMembership(tx, invitation.org_id, account.user_id))) {
      await assertSeatFree(tx, { catalog: deps.catalog, orgId: invitation.org_id, now, reservedByThis: true });
      await insertMembership(tx, { orgId: invitation.org_id, userId: account.user_id, role: invitation.role, now });
    }
    await markInvitationAccepted(tx, { orgId: invitation.org_id, invitationId: invitation.invitation_id, userId: account.user_id, now });
    await recordAudit(tx, {
      orgId: invitation.org_id,
      action: 'invitation.accepted',
      target: invitation.invitation_id,
      after: { user_id: account.user_id, email: invitation.email, role: invitation.role },
      now,
      actor: { userId: account.user_id },
    });
    return account;
  });
  return startSession(deps, { id: user.user_id, email: user.email, name: user.name });
}

async function openInvitation(db: Db, token: string, now: Date, options: { lock: boolean }) {
  const invitation = await findInvitationByTokenHash(db, hashSecret(token), options);
  if (!invitation || invitation.accepted_at !== null || invitation.revoked_at !== null || invitation.expires_at.getTime() <= now.getTime()) {
    throw new Failure('INVITATION_INVALID');
  }
  return invitation;
}
