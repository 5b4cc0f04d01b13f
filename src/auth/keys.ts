import { hash, randomBytes } from 'node:crypto';

/** Recognisable prefix of user keys, so leaked keys are easy to find by secret scanners. */
export const USER_KEY_PREFIX = 'cas_';

/** A new user key: 256 random bits, base64url, with the prefix. */
export function generateApiKey(): string {
  return USER_KEY_PREFIX + randomBytes(32).toString('base64url');
}

/**
 * Keys are looked up by their SHA-256. A fast hash is enough here: keys carry ≥ 190 bits of
 * randomness, so there is nothing to brute-force, and the index lookup compares hashes, not
 * the key, so timing reveals nothing about the key's value.
 */
export function hashApiKey(key: string): string {
  // One-shot crypto.hash (Node ≥ 20.12): a third of createHash()'s cost, on every request.
  return hash('sha256', key, 'hex');
}

export function keyLast4(key: string): string {
  return key.slice(-4);
}

/** At most the prefix and last 4 characters, for logs. */
export function describeKey(key: string): string {
  return key.startsWith(USER_KEY_PREFIX) ? `${USER_KEY_PREFIX}…${keyLast4(key)}` : `…${keyLast4(key)}`;
}
