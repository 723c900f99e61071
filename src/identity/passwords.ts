import { hash, verify } from '@node-rs/argon2';

/** @node-rs/argon2's Algorithm.Argon2id (a const enum, which isolated modules cannot import). */
const ARGON2ID = 2;

/** argon2id with the OWASP minimum parameters (19 MiB, 2 passes): what every server uses. */
export const PASSWORD_HASHING = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/**
 * The test suite's cost: the same argon2id and code, 1 MiB and 1 pass (~1 ms instead of ~35 ms of CPU).
 * The suite creates thousands of accounts (every org has an admin with a password); at full cost that
 * is minutes of CPU on a 2-core machine. Only test/support/harness.ts switches to it; no setting or
 * variable reaches it, and servers started as processes (the CLI, two-server and crash tests) hash
 * at full cost, which a test checks on the stored hash.
 */
const TEST_SUITE_HASHING = { ...PASSWORD_HASHING, memoryCost: 1_024, timeCost: 1 } as const;

let options: typeof PASSWORD_HASHING | typeof TEST_SUITE_HASHING = PASSWORD_HASHING;

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 200;

export function hashPassword(password: string): Promise<string> {
  return hash(password, options);
}

export async function verifyPassword(passwordHash: string | null, password: string): Promise<boolean> {
  // Without a stored hash, still spend the time of one verification so timing tells nothing.
  const target = passwordHash ?? dummyHash;
  const valid = await verify(target, password).catch(() => false);
  return passwordHash !== null && valid;
}

let dummyHash = await hashPassword('no-such-user-password');

/** For the test harness only (see TEST_SUITE_HASHING); the dummy hash follows, so timing still tells nothing. */
export async function useTestSuitePasswordHashing(): Promise<void> {
  if (options === TEST_SUITE_HASHING) return;
  options = TEST_SUITE_HASHING;
  dummyHash = await hashPassword('no-such-user-password');
}
