import type { Db } from '../db/database.js';
import { insertAuditEvent } from '../db/audit-log.js';
import { findApiKeyName, findUserName, listUserOrgIds } from '../db/identity.js';
import { newId } from '../domain/ids.js';
import { currentAuditRequest } from './actor.js';

/** The changes the audit log records (issue 16), by area; `money` ones stay with the financial archive. */
export const AUDIT_ACTIONS = {
  'settings.updated': { money: false },
  'user_limits.updated': { money: false },
  'purchase.created': { money: true },
  'purchase.refunded': { money: true },
  'purchase.disputed': { money: true },
  'subscription.change_requested': { money: true },
  'subscription.cancel_requested': { money: true },
  'subscription.resume_requested': { money: true },
  'payment_method.added': { money: true },
  'payment_method.removed': { money: true },
  'payment_method.made_default': { money: true },
  'invoice.pay_requested': { money: true },
  'member.added': { money: false },
  'member.removed': { money: false },
  'invitation.created': { money: false },
  'invitation.accepted': { money: false },
  'invitation.revoked': { money: false },
  'member.role_changed': { money: false },
  'api_key.created': { money: false },
  'api_key.revoked': { money: false },
  'contract.set': { money: true },
  'grant.added': { money: true },
  'webhook_endpoint.added': { money: false },
  'webhook_endpoint.removed': { money: false },
  'sign_in.succeeded': { money: false },
  'sign_in.failed': { money: false },
  'export.downloaded': { money: false },
} as const;
export type AuditAction = keyof typeof AUDIT_ACTIONS;

/** Field names whose values never enter the log, however deep they sit. */
const SECRET_FIELD = /secret|password|token|card_number|cvc|key_hash|api_key/i;

export function withoutSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (value instanceof Date) return value.toISOString();
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).filter(([key]) => !SECRET_FIELD.test(key)).map(([key, inner]) => [key, withoutSecrets(inner)]));
}

/**
 * Writes one audit entry in the caller's transaction, so it exists exactly when the change does. The
 * actor comes from the request in flight (a user by id and name, an API key by id and name — never
 * the key itself), else the system; `before`/`after` are stripped of secret fields.
 */
export async function recordAudit(
  tx: Db,
  entry: { orgId: string | null; action: AuditAction; target?: string | null; before?: unknown; after?: unknown; now: Date; actor?: { userId: string } },
): Promise<void> {
  const request = currentAuditRequest();
  const actor = entry.actor ? { kind: 'user' as const, userId: entry.actor.userId } : (request?.actor ?? { kind: 'system' as const });
  let actorId: string | null = null;
  let actorName: string | null = null;
  if (actor.kind === 'user') {
    const user = await findUserName(tx, actor.userId);
    actorId = actor.userId;
    actorName = user?.name ?? null;
  } else if (actor.kind === 'api_key') {
    const key = await findApiKeyName(tx, actor.keyHash);
    actorId = key?.key_id ?? null;
    actorName = key?.name ?? null;
  }
  await insertAuditEvent(tx, {
    org_id: entry.orgId,
    audit_id: newId('aud'),
    at: entry.now,
    actor_kind: actor.kind,
    actor_id: actorId,
    actor_name: actorName,
    action: entry.action,
    target: entry.target ?? null,
    before: entry.before === undefined ? null : JSON.stringify(withoutSecrets(entry.before)),
    after: entry.after === undefined ? null : JSON.stringify(withoutSecrets(entry.after)),
    ip: request?.ip ?? null,
    user_agent: request?.userAgent?.slice(0, 500) ?? null,
    money: AUDIT_ACTIONS[entry.action].money,
  });
}

/** A sign-in (success or failure) of a known account, in the log of every org the person belongs to. */
export async function recordSignIn(db: Db, input: { userId: string; succeeded: boolean; now: Date }): Promise<void> {
  await db.transaction().execute(async (tx) => {
    const orgs = await listUserOrgIds(tx, input.userId);
    for (const { org_id: orgId } of orgs) {
      await recordAudit(tx, { orgId, action: input.succeeded ? 'sign_in.succeeded' : 'sign_in.failed', target: input.userId, now: input.now, actor: { userId: input.userId } });
    }
  });
}

/** An export of the org's data (the full export, usage or the audit log as CSV), by the caller in flight. */
export async function recordExport(db: Db, input: { orgId: string; what: 'org' | 'usage' | 'audit_log'; format: 'json' | 'zip' | 'csv'; now: Date }): Promise<void> {
  await recordAudit(db, { orgId: input.orgId, action: 'export.downloaded', target: input.what, after: { format: input.format }, now: input.now });
}
