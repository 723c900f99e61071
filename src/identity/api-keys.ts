import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../config.js';
import type { Db } from '../db/database.js';
import { ensureApiKey, findApiKey } from '../db/identity.js';
import { hashSecret, newSecret } from './tokens.js';

export const PLATFORM_KEY_PREFIX = 'lb_sk_';
export const PLATFORM_KEY_FILE = 'platform-key';

/** The operator's platform key and where it comes from, so that the start banner can say so. */
export interface PlatformKey {
  readonly key: string;
  /** environment: LOUPE_PLATFORM_KEY; generated: written to `file` just now; file: read from `file`. */
  readonly origin: 'environment' | 'generated' | 'file';
  readonly file: string | null;
}

/**
 * The platform key the operator uses: LOUPE_PLATFORM_KEY when set; otherwise one generated on first
 * start and kept (readable by root only) in the data directory. Only its hash is stored in the
 * database. A key revoked through /v1/api-keys stays revoked: the service refuses to start with it
 * rather than serve with a key that cannot authenticate.
 */
export async function ensurePlatformKey(db: Db, options: { configured?: string | undefined; dataDir: string; now: Date }): Promise<PlatformKey> {
  const platformKey: PlatformKey = options.configured !== undefined ? { key: options.configured, origin: 'environment', file: null } : await localPlatformKey(options.dataDir);
  const keyHash = hashSecret(platformKey.key);
  await ensureApiKey(db, { keyId: `key_${keyHash.slice(0, 16)}`, keyHash, name: 'platform', now: options.now });
  if (!(await isPlatformKey(db, platformKey.key))) {
    throw new ConfigError([
      platformKey.file === null
        ? 'LOUPE_PLATFORM_KEY was revoked (through /v1/api-keys) and can no longer authenticate: set LOUPE_PLATFORM_KEY to a new key, or unset it to have one generated'
        : `the platform key in ${platformKey.file} was revoked (through /v1/api-keys) and can no longer authenticate: delete that file to have a new one generated, or set LOUPE_PLATFORM_KEY`,
    ]);
  }
  return platformKey;
}

async function localPlatformKey(dataDir: string): Promise<PlatformKey> {
  const file = path.join(dataDir, PLATFORM_KEY_FILE);
  if (existsSync(file)) return { key: readFileSync(file, 'utf8').trim(), origin: 'file', file };
  const key = newSecret(PLATFORM_KEY_PREFIX);
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, `${key}\n`, { mode: 0o600 });
  return { key, origin: 'generated', file };
}

/** A key as logs and banners may show it: its prefix and last four characters. */
export function maskedKey(key: string): string {
  const prefix = key.startsWith(PLATFORM_KEY_PREFIX) ? PLATFORM_KEY_PREFIX : '';
  return `${prefix}…${key.slice(-4)}`;
}

export async function isPlatformKey(db: Db, key: string): Promise<boolean> {
  return (await findApiKey(db, hashSecret(key))) !== undefined;
}
