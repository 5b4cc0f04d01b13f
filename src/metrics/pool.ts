/**
 * What the metrics learn from the account pool without the pool knowing about metrics:
 * lease waits (by wrapping acquire), health transitions (by reading the pool's own transition
 * log lines, which it writes exactly once per transition) and states (snapshot at scrape time).
 */
import type { AccountPool, PoolLogger } from '../pool/index.js';
import type { AccountTransition, Metrics } from './metrics.js';

/** The pool's log messages for each transition (src/pool/health-log.ts). */
const TRANSITION_MESSAGES: Record<string, AccountTransition> = {
  'account cooling down': 'cooldown',
  'account ejected': 'ejection',
  'account disabled': 'disabled',
};

/** A pool logger that also counts the health transitions it reports. */
export function countingPoolLogger(logger: PoolLogger, metrics: Metrics): PoolLogger {
  return {
    info: (obj, msg) => logger.info(obj, msg),
    debug: (obj, msg) => logger.debug(obj, msg),
    error: (obj, msg) => logger.error(obj, msg),
    warn(obj, msg) {
      const transition = msg === undefined ? undefined : TRANSITION_MESSAGES[msg];
      const account = (obj as { account?: unknown } | null)?.account;
      if (transition && typeof account === 'string') metrics.accountTransition(transition, account);
      logger.warn(obj, msg);
    },
  };
}

/**
 * The same pool, with acquire timed: a request is "waiting" from asking for a lease until it
 * gets one or is refused (most leases are granted at once; a full pool makes the gauge grow).
 */
export function instrumentPool(pool: AccountPool, metrics: Metrics): AccountPool {
  metrics.observeAccounts(() => pool.snapshot());
  return {
    ...pool,
    acquire(request) {
      const started = performance.now();
      metrics.leaseWaitStarted();
      // Two callbacks rather than an async wrapper: this runs on every turn.
      return pool.acquire(request).then(
        (lease) => {
          metrics.leaseWaitEnded(performance.now() - started, true);
          return lease;
        },
        (error: unknown) => {
          metrics.leaseWaitEnded(performance.now() - started, false);
          throw error;
        },
      );
    },
  };
}
