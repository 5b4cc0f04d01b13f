/** The in-process PoolState: right for a single server process. */
import { emptyHealth } from './state.js';
import type { HealthRecord, LeaseRequest, PoolState, WeightedCandidate } from './state.js';
import { swapRemove } from '../swap-remove.js';
import { systemClock } from './types.js';
import type { Clock } from './types.js';

export interface MemoryPoolStateOptions {
  clock?: Clock;
}

/**
 * An account's leases, in two arrays where a released lease's place takes the last one. Not a
 * Map: a lease comes and goes with every turn, V8 replaces a Map's hash table as entries come
 * and go, and a replaced table keeps its entries and a link to its successor, so once one
 * table was old every later lease was promoted by the scavenger with its id (see
 * docs/performance-rounds.md, the twelfth round). An account holds at most its `max_concurrency`
 * leases, so finding one by id is a short walk.
 */
interface AccountLeases {
  ids: string[];
  expiries: number[];
  sweepAt: number;
}

function dropLease(held: AccountLeases, index: number): void {
  swapRemove(held.ids, index);
  swapRemove(held.expiries, index);
}

export function createMemoryPoolState(options: MemoryPoolStateOptions = {}): PoolState {
  const clock = options.clock ?? systemClock;
  /** rotation key → account → nginx "current weight" */
  const rotations = new Map<string, Map<string, number>>();
  /** account → its leases and the earliest of their expiries */
  const leases = new Map<string, AccountLeases>();
  const health = new Map<string, HealthRecord>();
  /** Lease ids need only be unique within this process: a counter is enough. */
  let leaseCount = 0;

  /**
   * The account's unexpired leases. Expired ones are swept only once the earliest expiry has
   * passed, not on every call: a turn looks at its account's leases several times, and most
   * leases end by release long before they expire.
   */
  const liveLeases = (account: string): AccountLeases => {
    let held = leases.get(account);
    if (!held) {
      held = { ids: [], expiries: [], sweepAt: Infinity };
      leases.set(account, held);
    }
    const now = clock.now();
    if (now >= held.sweepAt) {
      let next = Infinity;
      // Backwards: a dropped lease's place takes one already looked at.
      for (let index = held.ids.length - 1; index >= 0; index -= 1) {
        const expiresAt = held.expiries[index] as number;
        if (expiresAt <= now) dropLease(held, index);
        else if (expiresAt < next) next = expiresAt;
      }
      held.sweepAt = next;
    }
    return held;
  };
  const noteExpiry = (held: AccountLeases, expiresAt: number): void => {
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
      if (held.ids.length >= maxConcurrency) return undefined;
      leaseCount += 1;
      const id = leaseCount.toString(36);
      const expiresAt = clock.now() + ttlMs;
      held.ids.push(id);
      held.expiries.push(expiresAt);
      noteExpiry(held, expiresAt);
      return id;
    },

    async renewLease(account: string, leaseId: string, ttlMs: number) {
      const held = liveLeases(account);
      const index = held.ids.indexOf(leaseId);
      if (index < 0) return false;
      const expiresAt = clock.now() + ttlMs;
      held.expiries[index] = expiresAt;
      noteExpiry(held, expiresAt);
      return true;
    },

    async releaseLease(account: string, leaseId: string) {
      const held = liveLeases(account);
      const index = held.ids.indexOf(leaseId);
      if (index < 0) return false;
      dropLease(held, index);
      return true;
    },

    async inFlight(accounts: readonly string[]) {
      return new Map(accounts.map((name) => [name, liveLeases(name).ids.length]));
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
