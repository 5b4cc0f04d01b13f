/** The in-process PoolState: right for a single server process. */
import { randomUUID } from 'node:crypto';
import { emptyHealth } from './state.js';
import type { HealthRecord, LeaseRequest, PoolState, WeightedCandidate } from './state.js';
import { systemClock } from './types.js';
import type { Clock } from './types.js';

export interface MemoryPoolStateOptions {
  clock?: Clock;
}

interface AccountLeases {
  expiries: Map<string, number>;
  sweepAt: number;
}

export function createMemoryPoolState(options: MemoryPoolStateOptions = {}): PoolState {
  const clock = options.clock ?? systemClock;
  /** rotation key → account → nginx "current weight" */
  const rotations = new Map<string, Map<string, number>>();
  /** account → its leases (id → expiry) and the earliest of those expiries */
  const leases = new Map<string, AccountLeases>();
  const health = new Map<string, HealthRecord>();

  /**
   * The account's unexpired leases. Expired ones are swept only once the earliest expiry has
   * passed, not on every call: leases are taken and returned several times per turn, and most
   * end by release long before they expire.
   */
  const liveLeases = (account: string): AccountLeases => {
    let held = leases.get(account);
    if (!held) {
      held = { expiries: new Map(), sweepAt: Infinity };
      leases.set(account, held);
    }
    const now = clock.now();
    if (now >= held.sweepAt) {
      let next = Infinity;
      for (const [id, expiresAt] of held.expiries) {
        if (expiresAt <= now) held.expiries.delete(id);
        else if (expiresAt < next) next = expiresAt;
      }
      held.sweepAt = next;
    }
    return held;
  };
  const hold = (held: AccountLeases, id: string, expiresAt: number): void => {
    held.expiries.set(id, expiresAt);
    if (expiresAt < held.sweepAt) held.sweepAt = expiresAt;
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
      if (held.expiries.size >= maxConcurrency) return undefined;
      const id = randomUUID();
      hold(held, id, clock.now() + ttlMs);
      return id;
    },

    async renewLease(account: string, leaseId: string, ttlMs: number) {
      const held = liveLeases(account);
      if (!held.expiries.has(leaseId)) return false;
      hold(held, leaseId, clock.now() + ttlMs);
      return true;
    },

    async releaseLease(account: string, leaseId: string) {
      return liveLeases(account).expiries.delete(leaseId);
    },

    async inFlight(accounts: readonly string[]) {
      return new Map(accounts.map((name) => [name, liveLeases(name).expiries.size]));
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
