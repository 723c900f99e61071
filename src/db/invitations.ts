import type { Selectable } from 'kysely';
import type { Db } from './database.js';
import type { InvitationsTable, Role } from './schema.js';

export type InvitationRow = Selectable<InvitationsTable>;

/** Invitations that can still be accepted: neither accepted, revoked nor expired. */
export async function listPendingInvitations(db: Db, orgId: string, now: Date): Promise<InvitationRow[]> {
  return db
    .selectFrom('invitations')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .orderBy('created_at')
    .orderBy('invitation_id')
    .execute();
}

/** Open invitations that hold a seat: those of people who are not members yet. */
export async function countPendingInvitations(db: Db, orgId: string, now: Date): Promise<number> {
  const row = await db
    .selectFrom('invitations')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('org_id', '=', orgId)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('memberships')
            .innerJoin('users', 'users.user_id', 'memberships.user_id')
            .select('memberships.user_id')
            .whereRef('memberships.org_id', '=', 'invitations.org_id')
            .whereRef('users.email', '=', 'invitations.email'),
        ),
      ),
    )
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** Withdraws the open invitation of an e-mail (a new one replaces it); true when there was one. */
export async function revokeOpenInvitation(tx: Db, input: { orgId: string; email: string; now: Date }): Promise<void> {
  await tx
    .updateTable('invitations')
    .set({ revoked_at: input.now })
    .where('org_id', '=', input.orgId)
    .where('email', '=', input.email.toLowerCase())
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .execute();
}

/** Revokes an open invitation; answers whom it was for and as what, or undefined when there was none open. */
export async function revokeInvitation(tx: Db, input: { orgId: string; invitationId: string; now: Date }) {
  return tx
    .updateTable('invitations')
    .set({ revoked_at: input.now })
    .where('org_id', '=', input.orgId)
    .where('invitation_id', '=', input.invitationId)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .returning(['email', 'role'])
    .executeTakeFirst();
}

export async function insertInvitation(
  tx: Db,
  row: { orgId: string; invitationId: string; email: string; name: string; role: Role; tokenHash: string; invitedBy: string; now: Date; expiresAt: Date },
): Promise<void> {
  await tx
    .insertInto('invitations')
    .values({
      org_id: row.orgId,
      invitation_id: row.invitationId,
      email: row.email.toLowerCase(),
      name: row.name,
      role: row.role,
      token_hash: row.tokenHash,
      invited_by: row.invitedBy,
      created_at: row.now,
      expires_at: row.expiresAt,
      accepted_at: null,
      accepted_user_id: null,
      revoked_at: null,
    })
    .execute();
}

/** The invitation a token names, locked for its acceptance, with its org's name. */
export async function findInvitationByTokenHash(tx: Db, tokenHash: string, options: { lock: boolean }) {
  let query = tx
    .selectFrom('invitations')
    .innerJoin('orgs', 'orgs.org_id', 'invitations.org_id')
    .selectAll('invitations')
    .select('orgs.name as org_name')
    .where('invitations.token_hash', '=', tokenHash);
  if (options.lock) query = query.forUpdate('invitations');
  return query.executeTakeFirst();
}

export async function markInvitationAccepted(tx: Db, input: { orgId: string; invitationId: string; userId: string; now: Date }): Promise<void> {
  await tx
    .updateTable('invitations')
    .set({ accepted_at: input.now, accepted_user_id: input.userId })
    .where('org_id', '=', input.orgId)
    .where('invitation_id', '=', input.invitationId)
    .execute();
}

/** An e-mail whose body holds a secret for its recipient: the org's admins see only its subject. */
export async function insertConfidentialEmail(
  tx: Db,
  message: { orgId: string; messageId: string; eventId: string; to: string; subject: string; body: string; send: boolean; now: Date },
): Promise<void> {
  await tx
    .insertInto('email_messages')
    .values({
      org_id: message.orgId,
      message_id: message.messageId,
      event_id: message.eventId,
      to_address: message.to,
      subject: message.subject,
      body: message.body,
      status: message.send ? 'pending' : 'kept',
      next_attempt_at: message.send ? message.now : null,
      locked_until: null,
      last_error: null,
      sent_at: null,
      created_at: message.now,
      confidential: true,
    })
    .execute();
}
