import { describe, expect, it } from 'vitest';
import { fnv1aHex, isRequirementsToken, meetsDifficulty, verifyProofToken } from './pow-verify.js';
import { requirementsToken, solveProof } from './test-client.js';

describe('pow-verify', () => {
  it('hashes with FNV-1a plus the finaliser as 8 hex digits', () => {
    expect(fnv1aHex('')).toMatch(/^[0-9a-f]{8}$/);
    expect(fnv1aHex('abc')).not.toBe(fnv1aHex('abd'));
    // Reference value computed by hand from the §1.2 algorithm.
    let h = 2166136261;
    for (const c of 'seed') h = Math.imul(h ^ c.charCodeAt(0), 16777619);
    h ^= h >>> 16;
    h = Math.imul(h, 2246822507);
    h ^= h >>> 13;
    h = Math.imul(h, 3266489909);
    h ^= h >>> 16;
    expect(fnv1aHex('seed')).toBe((h >>> 0).toString(16).padStart(8, '0'));
  });

  it('compares the hash prefix against the difficulty as strings', () => {
    expect(meetsDifficulty('0fffff00', '0fffff')).toBe(true);
    expect(meetsDifficulty('100000aa', '0fffff')).toBe(false);
  });

  for (const variant of ['fnv', 'sha3'] as const) {
    it(`accepts a solved ${variant} proof and rejects a tampered one`, () => {
      const seed = '0.123456789';
      const token = solveProof(seed, '0fffff', variant);
      expect(verifyProofToken({ token, seed, difficulty: '0fffff', variant }).ok).toBe(true);
      expect(verifyProofToken({ token, seed: '0.999', difficulty: '00000f', variant }).ok).toBe(false);
      const other = variant === 'fnv' ? 'sha3' : 'fnv';
      expect(verifyProofToken({ token, seed, difficulty: '0fffff', variant: other }).ok).toBe(false);
    });
  }

  it('rejects the fallback token, a missing token and garbage', () => {
    const seed = '0.5';
    const fallback = 'gAAAAABwQ8Lk5FbGpA2NcR9dShT6gYjU7VxZ4D' + Buffer.from(`"${seed}"`).toString('base64');
    expect(verifyProofToken({ token: fallback, seed, difficulty: 'ffffff', variant: 'sha3' }).ok).toBe(false);
    expect(verifyProofToken({ token: undefined, seed, difficulty: 'ffffff', variant: 'fnv' }).ok).toBe(false);
    expect(verifyProofToken({ token: 'gAAAAABnope~S', seed, difficulty: 'ffffff', variant: 'fnv' }).ok).toBe(
      false,
    );
  });

  it('recognises requirements tokens', () => {
    expect(isRequirementsToken(requirementsToken('fnv'))).toBe(true);
    expect(isRequirementsToken(requirementsToken('sha3'))).toBe(true);
    expect(isRequirementsToken('gAAAAABxyz')).toBe(false);
    expect(isRequirementsToken(undefined)).toBe(false);
  });
});
