/**
 * Keeps the leases of long turns alive. A lease ends after the pool's lease TTL so that a
 * holder that died cannot keep an account's slot for ever; a turn that outlives the TTL (a long
 * reasoning stream has no overall time limit) would otherwise lose its slot while it runs, and
 * the account would run one turn more than its `max_concurrency`.
 *
 * One timer serves every lease this process holds; a lease is renewed once it is a third of
 * the TTL old, so a turn shorter than that (nearly all) costs one entry in a list and no call.
 * A list, not a Map: for the reason in memory-state.ts (a Map with entries coming and going
 * keeps the scavenger promoting them); it holds the turns running in this process, so finding
 * one to untrack is a short walk.
 * Renewal stops at `maxLifetimeMs`: a lease whose turn never released it (a bug) must still
 * end, as it did before leases were renewed.
 */
import { swapRemove } from '../swap-remove.js';
import type { PoolState } from './state.js';
import type { Clock, Lease, PoolLogger } from './types.js';

export interface LeaseRenewalDeps {
  state: Pick<PoolState, 'renewLease'>;
  ttlMs: number;
  maxLifetimeMs: number;
  clock: Clock;
  logger?: PoolLogger;
}

export interface LeaseRenewal {
  track(lease: Lease): void;
  untrack(lease: Lease): void;
  stop(): void;
}

interface TrackedLease {
  lease: Lease;
  takenAt: number;
  renewedAt: number;
}

export function createLeaseRenewal(deps: LeaseRenewalDeps): LeaseRenewal {
  const { state, ttlMs, maxLifetimeMs, clock, logger } = deps;
  const held: TrackedLease[] = [];
  const renewAfterMs = Math.max(1, Math.floor(ttlMs / 3));
  let timer: NodeJS.Timeout | undefined;

  /** Stops tracking; false if the lease was not tracked (any more). */
  const forget = (lease: Lease): boolean => {
    const index = held.findIndex((entry) => entry.lease === lease);
    if (index < 0) return false;
    swapRemove(held, index);
    return true;
  };

  const renew = (entry: TrackedLease): void => {
    const { lease } = entry;
    const account = lease.account.name;
    state.renewLease(account, lease.id, ttlMs).then(
      (kept) => {
        if (kept || !forget(lease)) return;
        logger?.warn({ account }, 'lease ended before its turn did; the account may run one turn too many');
      },
      (error: unknown) => {
        entry.renewedAt = Number.NEGATIVE_INFINITY; // due again at the next sweep
        logger?.warn({ account, err: String(error) }, 'lease renewal failed; retrying');
      },
    );
  };

  const sweep = (): void => {
    const now = clock.now();
    // Backwards: a removed entry's place takes one already looked at.
    for (let index = held.length - 1; index >= 0; index -= 1) {
      const entry = held[index] as TrackedLease;
      if (now - entry.renewedAt < renewAfterMs) continue;
      if (now - entry.takenAt >= maxLifetimeMs) {
        swapRemove(held, index);
        logger?.warn(
          { account: entry.lease.account.name },
          'lease held past its longest lifetime; renewal stopped',
        );
        continue;
      }
      entry.renewedAt = now;
      renew(entry);
    }
    if (held.length === 0) stop();
  };

  function stop(): void {
    clearInterval(timer);
    timer = undefined;
  }

  return {
    track(lease) {
      const now = clock.now();
      held.push({ lease, takenAt: now, renewedAt: now });
      timer ??= setInterval(sweep, renewAfterMs).unref();
    },
    untrack(lease) {
      forget(lease);
    },
    stop,
  };
}
