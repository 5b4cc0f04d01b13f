/**
 * Public types of the account pool. The pool chooses and leases accounts; it never sees
 * credentials (those live in the account configuration and the credential manager).
 */
import type { UpstreamError, UpstreamKind } from '../upstream/types.js';

export type Tier = 'free' | 'plus' | 'any';

/** What the pool needs to know about an account: never a secret. */
export interface PoolAccountSpec {
  name: string;
  kind: UpstreamKind;
  plus: boolean;
  /** Relative share in the smooth weighted round-robin (integer >= 1; default 1). */
  weight: number;
  /** Turns this account may run at once (ChatGPT web: 1). */
  maxConcurrency: number;
  /** Public model names this account serves; undefined = any model. */
  models?: string[];
}

export interface AcquireRequest {
  tier: Tier;
  /** Whether the user may use plus accounts. */
  userPlus: boolean;
  /** Account kinds that can serve the request; undefined = any kind. */
  kinds?: UpstreamKind[];
  /** Public model name; accounts with a `models` list must list it. */
  model?: string;
  /**
   * The account a ChatGPT-web conversation started on. It must be used: the request waits while
   * it is busy and fails when it is cooling, disabled or gone. Ignored when it names an
   * OpenAI-kind account (those conversations may continue on any account of the tier).
   */
  stickyAccount?: string;
  /** Accounts not to use (already tried by this request). */
  exclude?: string[];
  signal: AbortSignal;
}

export interface Lease {
  id: string;
  account: PoolAccountSpec;
}

/** How a leased turn ended; health transitions are driven by the typed failure kind. */
export type ReleaseOutcome = { ok: true } | { ok: false; error: UpstreamError };

export type AccountStatus = 'ready' | 'busy' | 'cooling' | 'ejected' | 'disabled';

/** One account as shown to admins. */
export interface AccountView {
  name: string;
  kind: UpstreamKind;
  tier: 'free' | 'plus';
  weight: number;
  maxConcurrency: number;
  status: AccountStatus;
  /** When a cooling or ejected account is expected back (ms since epoch). */
  until?: number;
  reason?: string;
  inFlight: number;
  served: number;
  failed: number;
  consecutiveFailures: number;
  ejectionCount: number;
  lastSuccessAt?: number;
  lastFailureAt?: number;
  lastError?: string;
}

export interface PoolOptions {
  /** How long a request may wait for a busy account (default 30000). */
  queueTimeoutMs: number;
  /** Requests waiting at most; more get 503 at once (default 100). */
  queueMax: number;
  /** Largest share of a tier that 5xx/network noise may eject (default 0.5). */
  maxEjectShare: number;
  /** First ejection length; doubled on each further ejection (default 5000). */
  ejectBaseMs: number;
  ejectMaxMs: number;
  /** Consecutive upstream_error/network/timeout/bad_response failures before ejection (default 3). */
  failuresBeforeEject: number;
  /** A lease not renewed within this time expires (a crashed process cannot hold an account). */
  leaseTtlMs: number;
  /**
   * A live process renews its leases up to this age (default 2 h), so that a lease its turn
   * somehow never released still ends, one TTL later.
   */
  leaseMaxLifetimeMs: number;
  /** Cooldown after a rate limit without clears_in/Retry-After (default 3600). */
  defaultRateLimitCooldownS: number;
  /** Cooldown after a challenge page / unusual-activity block without Retry-After (default 600). */
  challengeCooldownS: number;
  /** A sticky follow-up waits for its cooling account when it is back within this time (default 0). */
  stickyCooldownWaitMs: number;
  /** Waiters re-check the shared state this often, for changes nobody announces (default 1000). */
  pollIntervalMs: number;
}

export const DEFAULT_POOL_OPTIONS: PoolOptions = {
  queueTimeoutMs: 30_000,
  queueMax: 100,
  maxEjectShare: 0.5,
  ejectBaseMs: 5000,
  ejectMaxMs: 300_000,
  failuresBeforeEject: 3,
  leaseTtlMs: 600_000,
  leaseMaxLifetimeMs: 2 * 3_600_000,
  defaultRateLimitCooldownS: 3600,
  challengeCooldownS: 600,
  stickyCooldownWaitMs: 0,
  pollIntervalMs: 1000,
};

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export interface PoolLogger {
  info(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
  error(obj: unknown, msg?: string): void;
  debug(obj: unknown, msg?: string): void;
}
