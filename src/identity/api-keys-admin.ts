import type { Db } from '../db/database.js';
import { ensureApiKey, listApiKeys, revokeApiKey } from '../db/identity.js';
import { Failure } from '../domain/failures.js';
import { PLATFORM_KEY_PREFIX } from './api-keys.js';
import { hashSecret, newSecret } from './tokens.js';
import { recordAudit } from '../audit/record-audit.js';

/** A new platform key: shown once, stored only as its hash; the platform's audit log names it by id. */
export async function createPlatformKey(db: Db, input: { name: string; now: Date }) {
  const key = newSecret(PLATFORM_KEY_PREFIX);
  const keyId = `key_${hashSecret(key).slice(0, 16)}`;
  await db.transaction().execute(async (tx) => {
    await ensureApiKey(tx, { keyId, keyHash: hashSecret(key), name: input.name, now: input.now });
    await recordAudit(tx, { orgId: null, action: 'api_key.created', target: keyId, after: { name: input.name }, now: input.now });
  });
  return { id: keyId, name: input.name, key, created_at: input.now.toISOString() };
}

/** Revokes a key (within 5 seconds on every server); the last active key stays, so no one is locked out. */
export async function revokePlatformKey(db: Db, input: { keyId: string; now: Date }): Promise<void> {
  const keys = await listApiKeys(db);
  const target = keys.find((key) => key.key_id === input.keyId && key.revoked_at === null);
  if (!target) throw new Failure('NOT_FOUND', `There is no active key ${input.keyId}.`);
  if (keys.filter((key) => key.revoked_at === null).length === 1) throw new Failure('LAST_API_KEY');
  await db.transaction().execute(async (tx) => {
    if (!(await revokeApiKey(tx, input.keyId, input.now))) throw new Failure('NOT_FOUND', `There is no active key ${input.keyId}.`);
    await recordAudit(tx, { orgId: null, action: 'api_key.revoked', target: input.keyId, before: { name: target.name }, now: input.now });
  });
}
