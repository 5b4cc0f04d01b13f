/**
 * The pool's shared state: everything several server replicas must agree on. Every method is
 * async and each one is a single atomic step, so that a Redis implementation (a later issue)
 * can map each method to one Lua script or one WATCH/MULTI transaction.
 */
import type { UpstreamFailureKind } from '../upstream/types.js';

/** Health bookkeeping of one account. Times are ms since the epoch. */
export interface HealthRecord {
  /** Rate limit or challenge: unusable until this time. */
  cooldownUntil?: number;
  cooldownReason?: string;
  cooldownKind?: UpstreamFailureKind;
  /** Unusable until an admin enables it (auth_invalid, failed refresh, admin action). */
  disabled: boolean;
  disabledReason?: string;
  /** upstream_error/network/timeout/bad_response failures since the last success. */
  consecutiveFailures: number;
  /** Ejected for repeated failures; after this time one probing turn at a time is let through. */
  ejectedUntil?: number;
  /** Ejections since the last success (drives the growing backoff). */
  ejectionCount: number;
  lastSuccessAt?: number;
  lastFailureAt?: number;
  /** Redacted text of the last failure. */
  lastError?: string;
  served: number;
  failed: number;
}

export const emptyHealth = (): HealthRecord => ({
  disabled: false,
  consecutiveFailures: 0,
  ejectionCount: 0,
  served: 0,
  failed: 0,
});

export interface WeightedCandidate {
  name: string;
  weight: number;
}

export interface LeaseRequest {
  account: string;
  maxConcurrency: number;
  ttlMs: number;
}

export interface PoolState {
  /**
   * One step of smooth weighted round-robin (nginx's algorithm) over `candidates`, keyed by
   * `rotationKey` (one rotation per tier). Accounts not among the candidates keep their
   * position, so skipping a busy account does not make another one serve twice in a row.
   */
  pickWeighted(rotationKey: string, candidates: readonly WeightedCandidate[]): Promise<string | undefined>;
  /** Takes one of the account's concurrency slots; undefined when all are held. */
  acquireLease(request: LeaseRequest): Promise<string | undefined>;
  /** Moves a held lease's end to `ttlMs` from now; false when it had already ended. */
  renewLease(account: string, leaseId: string, ttlMs: number): Promise<boolean>;
  /**
   * Frees a slot; false when the lease had already expired or was never held. `maxConcurrency`
   * says when the account was full before, so that other processes' waiters can be told.
   */
  releaseLease(account: string, leaseId: string, maxConcurrency?: number): Promise<boolean>;
  /**
   * Calls `wake` when another process frees a slot of a full account, so that this process's
   * waiters try again at once instead of at their next poll. Absent in the in-process state.
   */
  watchReleases?(wake: () => void): Promise<() => Promise<void>>;
  /** Unexpired leases per account (0 for unknown accounts). */
  inFlight(accounts: readonly string[]): Promise<Map<string, number>>;
  /** Health per account (a fresh record for unknown accounts). */
  getHealth(accounts: readonly string[]): Promise<Map<string, HealthRecord>>;
  /**
   * Read-modify-write of one account's health. `update` must be pure: a distributed
   * implementation may run it more than once when it loses a race.
   */
  updateHealth(account: string, update: (current: HealthRecord) => HealthRecord): Promise<HealthRecord>;
  /** Drops everything known about an account (it was removed from the pool). */
  forget(account: string): Promise<void>;
}
