import { describe, expect, it } from 'vitest';
import type { SentinelGrant } from '../state.js';
import { pruneExpired } from './sentinel.js';

const grant = (expiresAt: number): SentinelGrant => ({
  accountKey: 'account',
  seed: 'seed',
  difficulty: '0fffff',
  variant: 'fnv',
  expiresAt,
  proofVerified: false,
});

describe('sentinel grants', () => {
  it('drops the expired grants and keeps the live ones', () => {
    const grants = new Map<string, SentinelGrant>();
    for (let i = 0; i < 6000; i += 1) grants.set(`token-${i}`, grant(i));
    pruneExpired(grants, 4000);
    expect(grants.size).toBe(2000);
    expect(grants.has('token-3999')).toBe(false);
    expect(grants.has('token-4000')).toBe(true);
    pruneExpired(grants, 0);
    expect(grants.size).toBe(2000);
  });

  it('stops at the oldest live grant: grants expire in the order they were made', () => {
    const grants = new Map<string, SentinelGrant>([
      ['live', grant(100)],
      ['later-but-expired', grant(10)],
    ]);
    pruneExpired(grants, 50);
    expect([...grants.keys()]).toEqual(['live', 'later-but-expired']);
  });
});
