/**
 * Keeps the leases of long turns alive. A lease ends after the pool's lease TTL so that a
 * holder that died cannot keep an account's slot for ever; a turn that outlives the TTL (a long
 * reasoning stream has no overall time limit) would otherwise lose its slot while it runs, and
 * the account would run one turn more than its `max_concurrency`.
 *
 * One timer serves every lease this process holds; a lease is renewed once it is a third of
 * the TTL old, so a turn shorter than that (nearly all) costs one Map entry and no call.
 * Renewal stops at `maxLifetimeMs`: a lease whose turn never released it (a bug) must still
 * end, as it did before leases were renewed.
 */
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

export function createLeaseRenewal(deps: LeaseRenewalDeps): LeaseRenewal {
  const { state, ttlMs, maxLifetimeMs, clock, logger } = deps;
  const held = new Map<Lease, { takenAt: number; renewedAt: number }>();
  const renewAfterMs = Math.max(1, Math.floor(ttlMs / 3));
  let timer: NodeJS.Timeout | undefined;

  const renew = (lease: Lease): void => {
    const account = lease.account.name;
    state.renewLease(account, lease.id, ttlMs).then(
      (kept) => {
        if (kept || !held.delete(lease)) return;
        logger?.warn({ account }, 'lease ended before its turn did; the account may run one turn too many');
      },
      (error: unknown) => {
        const times = held.get(lease);
        if (times) times.renewedAt = Number.NEGATIVE_INFINITY; // due again at the next sweep
        logger?.warn({ account, err: String(error) }, 'lease renewal failed; retrying');
      },
    );
  };

  const sweep = (): void => {
    const now = clock.now();
    for (const [lease, times] of held) {
      if (now - times.renewedAt < renewAfterMs) continue;
      if (now - times.takenAt >= maxLifetimeMs) {
        held.delete(lease);
        logger?.warn(
          { account: lease.account.name },
          'lease held past its longest lifetime; renewal stopped',
        );
        continue;
      }
      times.renewedAt = now;
      renew(lease);
    }
    if (held.size === 0) stop();
  };

  function stop(): void {
    clearInterval(timer);
    timer = undefined;
  }

  return {
    track(lease) {
      const now = clock.now();
      held.set(lease, { takenAt: now, renewedAt: now });
      timer ??= setInterval(sweep, renewAfterMs).unref();
    },
    untrack(lease) {
      held.delete(lease);
    },
    stop,
  };
}
