import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Db } from '../db/database.js';
import { ensureApiKey, findApiKey } from '../db/identity.js';
import { hashSecret, newSecret } from './tokens.js';

export const PLATFORM_KEY_PREFIX = 'lb_sk_';

/**
 * The platform key the operator uses: LOUPE_PLATFORM_KEY when set; otherwise one generated on first
 * start and kept (readable by root only) in the data directory, so that `npm start` can print it.
 * Only its hash is stored in the database.
 */
export async function ensurePlatformKey(db: Db, options: { configured?: string | undefined; dataDir: string; now: Date }): Promise<string> {
  const key = options.configured ?? (await localPlatformKey(options.dataDir));
  await ensureApiKey(db, { keyId: `key_${hashSecret(key).slice(0, 16)}`, keyHash: hashSecret(key), name: 'platform', now: options.now });
  return key;
}

async function localPlatformKey(dataDir: string): Promise<string> {
  const file = path.join(dataDir, 'platform-key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const key = newSecret(PLATFORM_KEY_PREFIX);
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, `${key}\n`, { mode: 0o600 });
  return key;
}

export async function isPlatformKey(db: Db, key: string): Promise<boolean> {
  return (await findApiKey(db, hashSecret(key))) !== undefined;
}
