/** The in-process PoolState: right for a single server process. */
import { randomUUID } from 'node:crypto';
import { emptyHealth } from './state.js';
import type { HealthRecord, LeaseRequest, PoolState, WeightedCandidate } from './state.js';
import { systemClock } from './types.js';
import type { Clock } from './types.js';

export interface MemoryPoolStateOptions {
  clock?: Clock;
}

export function createMemoryPoolState(options: MemoryPoolStateOptions = {}): PoolState {
  const clock = options.clock ?? systemClock;
  /** rotation key → account → nginx "current weight" */
  const rotations = new Map<string, Map<string, number>>();
  /** account → lease id → expiry */
  const leases = new Map<string, Map<string, number>>();
  const health = new Map<string, HealthRecord>();

  const liveLeases = (account: string): Map<string, number> => {
    let held = leases.get(account);
    if (!held) {
      held = new Map();
      leases.set(account, held);
    }
    const now = clock.now();
    for (const [id, expiresAt] of held) if (expiresAt <= now) held.delete(id);
    return held;
  };

  return {
    async pickWeighted(rotationKey: string, candidates: readonly WeightedCandidate[]) {
      if (candidates.length === 0) return undefined;
      let current = rotations.get(rotationKey);
      if (!current) {
        current = new Map();
        rotations.set(rotationKey, current);
      }
      let total = 0;
      let best: WeightedCandidate | undefined;
      let bestWeight = -Infinity;
      for (const candidate of candidates) {
        const weight = Math.max(1, Math.floor(candidate.weight));
        total += weight;
        const next = (current.get(candidate.name) ?? 0) + weight;
        current.set(candidate.name, next);
        if (next > bestWeight) {
          best = candidate;
          bestWeight = next;
        }
      }
      if (!best) return undefined;
      current.set(best.name, bestWeight - total);
      return best.name;
    },

    async acquireLease({ account, maxConcurrency, ttlMs }: LeaseRequest) {
      const held = liveLeases(account);
      if (held.size >= maxConcurrency) return undefined;
      const id = randomUUID();
      held.set(id, clock.now() + ttlMs);
      return id;
    },

    async renewLease(account: string, leaseId: string, ttlMs: number) {
      const held = liveLeases(account);
      if (!held.has(leaseId)) return false;
      held.set(leaseId, clock.now() + ttlMs);
      return true;
    },

    async releaseLease(account: string, leaseId: string) {
      const held = liveLeases(account);
      return held.delete(leaseId);
    },

    async inFlight(accounts: readonly string[]) {
      return new Map(accounts.map((name) => [name, liveLeases(name).size]));
    },

    async getHealth(accounts: readonly string[]) {
      return new Map(accounts.map((name) => [name, { ...(health.get(name) ?? emptyHealth()) }]));
    },

    async updateHealth(account: string, update: (current: HealthRecord) => HealthRecord) {
      const next = update({ ...(health.get(account) ?? emptyHealth()) });
      health.set(account, next);
      return { ...next };
    },

    async forget(account: string) {
      leases.delete(account);
      health.delete(account);
      for (const rotation of rotations.values()) rotation.delete(account);
    },
  };
}
