/**
 * Verifies ChatGPT sentinel proof-of-work tokens (UPSTREAM-PROTOCOL.md §1.2), written from the
 * protocol description so the simulator checks clients independently of their solver.
 */
import { createHash } from 'node:crypto';

export type PowVariant = 'fnv' | 'sha3';

export const PROOF_PREFIX = 'gAAAAAB';
export const REQUIREMENTS_PREFIX = 'gAAAAAC';
const FNV_SUFFIX = '~S';

/** 32-bit FNV-1a over the UTF-16 code units, with the finaliser, as 8 lowercase hex digits. */
export function fnv1aHex(text: string): string {
  let hash = 2166136261;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 16777619);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 2246822507);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 3266489909);
  hash ^= hash >>> 16;
  return (hash >>> 0).toString(16).padStart(8, '0');
}

export function sha3Hex(text: string): string {
  return createHash('sha3-512').update(text).digest('hex');
}

export function proofHash(variant: PowVariant, seed: string, encodedConfig: string): string {
  return variant === 'fnv' ? fnv1aHex(seed + encodedConfig) : sha3Hex(seed + encodedConfig);
}

export function meetsDifficulty(hashHex: string, difficulty: string): boolean {
  return hashHex.slice(0, difficulty.length) <= difficulty;
}

export interface ProofCheck {
  ok: boolean;
  reason?: string;
}

/** The variant a proof token claims by its shape. */
export function proofVariant(token: string): PowVariant {
  return token.endsWith(FNV_SUFFIX) ? 'fnv' : 'sha3';
}

/** True when `encoded` is base64 of a JSON array whose nonce slot [3] is a number. */
function isConfigArray(encoded: string): boolean {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'));
    return Array.isArray(decoded) && decoded.length >= 10 && typeof decoded[3] === 'number';
  } catch {
    return false;
  }
}

export function verifyProofToken(input: {
  token: string | undefined;
  seed: string;
  difficulty: string;
  variant: PowVariant;
}): ProofCheck {
  const { token, seed, difficulty, variant } = input;
  if (!token) return { ok: false, reason: 'missing proof token' };
  if (!token.startsWith(PROOF_PREFIX)) return { ok: false, reason: 'bad proof prefix' };
  if (proofVariant(token) !== variant) return { ok: false, reason: `expected a ${variant} proof` };
  const encoded = token.slice(PROOF_PREFIX.length, variant === 'fnv' ? -FNV_SUFFIX.length : undefined);
  if (!isConfigArray(encoded)) return { ok: false, reason: 'proof is not an encoded config' };
  if (!meetsDifficulty(proofHash(variant, seed, encoded), difficulty)) {
    return { ok: false, reason: 'proof does not meet the difficulty' };
  }
  return { ok: true };
}

/** The `p` requirements token sent to chat-requirements: "gAAAAAC" + base64(config JSON). */
export function isRequirementsToken(value: unknown): boolean {
  if (typeof value !== 'string' || !value.startsWith(REQUIREMENTS_PREFIX)) return false;
  const body = value.slice(REQUIREMENTS_PREFIX.length);
  return isConfigArray(body.endsWith(FNV_SUFFIX) ? body.slice(0, -FNV_SUFFIX.length) : body);
}
