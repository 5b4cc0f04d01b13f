/**
 * The account pool: leases accounts per tier with smooth weighted round-robin, limits
 * concurrency per account, queues requests when everything is busy and keeps each account's
 * health from the typed outcome of its turns. Shared state lives behind PoolState.
 */
import { AppError, conflict, notFound } from '../errors.js';
import { UpstreamError } from '../upstream/types.js';
import { attemptAcquire } from './attempt.js';
import type { AttemptContext } from './attempt.js';
import { applyOutcome, EJECTABLE_KINDS, isEjected, statusOf } from './health.js';
import { logHealthTransition } from './health-log.js';
import { createLeaseRenewal } from './lease-renewal.js';
import { describeSelection, queueFull, queueTimedOut } from './pool-errors.js';
import { emptyHealth } from './state.js';
import type { HealthRecord, PoolState } from './state.js';
import { DEFAULT_POOL_OPTIONS, systemClock } from './types.js';
import type {
  AccountView,
  AcquireRequest,
  Clock,
  Lease,
  PoolAccountSpec,
  PoolLogger,
  PoolOptions,
  ReleaseOutcome,
} from './types.js';
import { createWaitQueue } from './wait-queue.js';
import { probeRecovering } from './probe.js';
import type { AccountProbe } from './probe.js';

export interface AccountPoolDeps {
  state: PoolState;
  accounts: readonly PoolAccountSpec[];
  options?: Partial<PoolOptions>;
  clock?: Clock;
  logger?: PoolLogger;
}

export interface AccountPool {
  /** Leases an account for one turn; throws AppError (403, 404, 429, 503) when none can be had. */
  acquire(request: AcquireRequest): Promise<Lease>;
  /** Returns the lease and records how the turn went (health transitions happen here). */
  release(lease: Lease, outcome: ReleaseOutcome): Promise<void>;
  snapshot(): Promise<AccountView[]>;
  /** The accounts' specs: the same frozen list until an account is added or removed. */
  accounts(): readonly PoolAccountSpec[];
  addAccount(spec: PoolAccountSpec): Promise<void>;
  removeAccount(name: string): Promise<void>;
  enable(name: string): Promise<void>;
  disable(name: string, reason: string): Promise<void>;
  /** Clears a cooldown or ejection (not a disable). */
  resetCooldown(name: string): Promise<void>;
  /**
   * Runs a light probe on each idle account whose ejection has ended (call it on a timer).
   * Without probes, the first turn after the ejection is the probe.
   */
  probeRecovering(probe: AccountProbe, signal?: AbortSignal): Promise<string[]>;
  /** Rejects every waiting request (shutdown). */
  close(): void;
}

export function normaliseSpec(spec: PoolAccountSpec): PoolAccountSpec {
  return {
    ...spec,
    weight: Math.max(1, Math.floor(spec.weight || 1)),
    maxConcurrency: Math.max(1, Math.floor(spec.maxConcurrency || 1)),
    models: spec.models ? [...spec.models] : undefined,
  };
}

export function createAccountPool(deps: AccountPoolDeps): AccountPool {
  const { state, logger } = deps;
  const clock = deps.clock ?? systemClock;
  const options: PoolOptions = { ...DEFAULT_POOL_OPTIONS, ...deps.options };
  const accounts = new Map<string, PoolAccountSpec>();
  for (const spec of deps.accounts) {
    if (accounts.has(spec.name)) throw new Error(`Duplicate account name: ${spec.name}`);
    accounts.set(spec.name, normaliseSpec(spec));
  }
  const renewal = createLeaseRenewal({
    state,
    ttlMs: options.leaseTtlMs,
    maxLifetimeMs: options.leaseMaxLifetimeMs,
    clock,
    logger,
  });
  const ctx: AttemptContext = { state, accounts, options, clock, renewal };
  // Read on every turn (model choice), changed only by the admin: built once per change.
  let listed: readonly PoolAccountSpec[] | undefined;
  let ejectionLock: Promise<void> = Promise.resolve();

  const queue = createWaitQueue<AcquireRequest, Lease>({
    attempt: (request) => attemptAcquire(ctx, request),
    discard: (lease) => {
      renewal.untrack(lease);
      return state.releaseLease(lease.account.name, lease.id).then(() => undefined);
    },
    maxWaiting: options.queueMax,
    timeoutMs: options.queueTimeoutMs,
    pollIntervalMs: options.pollIntervalMs,
    timeoutError: (request) => queueTimedOut(describeSelection(request), options.queueTimeoutMs),
    fullError: (request) => queueFull(describeSelection(request)),
    cancelledError: () =>
      new UpstreamError('cancelled', 'The request was cancelled while waiting for an account'),
  });

  // Other processes' releases wake our waiters at once; without them a waiter polls.
  const stopWatching = state
    .watchReleases?.(() => queue.wake())
    .catch((error: unknown) => {
      logger?.warn({ err: String(error) }, 'cannot watch releases of other processes; waiters poll');
      return undefined;
    });

  const requireAccount = (name: string): PoolAccountSpec => {
    const spec = accounts.get(name);
    if (!spec) throw notFound(`No account named ${name}`, 'account_not_found');
    return spec;
  };

  /** Ejecting must leave at least (1 - maxEjectShare) of the account's tier in service. */
  const mayEject = async (spec: PoolAccountSpec): Promise<boolean> => {
    const group = [...accounts.values()].filter((other) => other.plus === spec.plus);
    const health = await state.getHealth(group.map((other) => other.name));
    const now = clock.now();
    const ejected = group.filter(
      (other) => other.name !== spec.name && isEjected(health.get(other.name) ?? emptyHealth(), now),
    ).length;
    return ejected + 1 <= Math.floor(group.length * options.maxEjectShare);
  };

  const updateAndWake = async (
    name: string,
    update: (record: HealthRecord) => HealthRecord,
  ): Promise<void> => {
    await state.updateHealth(name, update);
    queue.wake();
  };

  const pool: AccountPool = {
    acquire: (request) => queue.submit(request, request.signal),

    async release(lease, outcome) {
      renewal.untrack(lease);
      const spec = accounts.get(lease.account.name);
      if (spec) {
        const ejectable = !outcome.ok && EJECTABLE_KINDS.has(outcome.error.kind);
        const record = async (): Promise<void> => {
          const allowEject = ejectable ? await mayEject(spec) : false;
          let before: HealthRecord = emptyHealth();
          const after = await state.updateHealth(spec.name, (current) => {
            before = current;
            return applyOutcome(current, outcome, { now: clock.now(), options, mayEject: allowEject });
          });
          if (logger) logHealthTransition({ logger, account: spec.name, before, after });
        };
        // The eject cap is read-then-write: serialise those releases so two cannot both take the last slot.
        if (ejectable) {
          const turn = ejectionLock.then(record);
          ejectionLock = turn.catch(() => undefined);
          await turn;
        } else {
          await record();
        }
      }
      // Health first, lease second: a woken waiter must not grab an account that is about to cool down.
      await state.releaseLease(lease.account.name, lease.id, spec?.maxConcurrency);
      queue.wake();
    },

    async snapshot() {
      const specs = [...accounts.values()];
      const names = specs.map((spec) => spec.name);
      const [health, inFlight] = await Promise.all([state.getHealth(names), state.inFlight(names)]);
      const now = clock.now();
      return specs.map((spec): AccountView => {
        const record = health.get(spec.name) ?? emptyHealth();
        const running = inFlight.get(spec.name) ?? 0;
        const status = statusOf({ spec, record, inFlight: running, now });
        return {
          name: spec.name,
          kind: spec.kind,
          tier: spec.plus ? 'plus' : 'free',
          weight: spec.weight,
          maxConcurrency: spec.maxConcurrency,
          status: status.status,
          until: status.until,
          reason: status.reason,
          inFlight: running,
          served: record.served,
          failed: record.failed,
          consecutiveFailures: record.consecutiveFailures,
          ejectionCount: record.ejectionCount,
          lastSuccessAt: record.lastSuccessAt,
          lastFailureAt: record.lastFailureAt,
          lastError: record.lastError,
        };
      });
    },

    accounts: () =>
      (listed ??= Object.freeze([...accounts.values()].map((spec) => Object.freeze({ ...spec })))),

    async addAccount(spec) {
      if (accounts.has(spec.name))
        throw conflict(`An account named ${spec.name} already exists`, 'account_exists');
      accounts.set(spec.name, normaliseSpec(spec));
      listed = undefined;
      queue.wake();
    },

    async removeAccount(name) {
      requireAccount(name);
      accounts.delete(name);
      listed = undefined;
      await state.forget(name);
      queue.wake();
    },

    async enable(name) {
      requireAccount(name);
      await updateAndWake(name, (record) => ({
        ...record,
        disabled: false,
        disabledReason: undefined,
        cooldownUntil: undefined,
        cooldownReason: undefined,
        cooldownKind: undefined,
        ejectedUntil: undefined,
        ejectionCount: 0,
        consecutiveFailures: 0,
      }));
    },

    async disable(name, reason) {
      requireAccount(name);
      await updateAndWake(name, (record) => ({ ...record, disabled: true, disabledReason: reason }));
    },

    async resetCooldown(name) {
      requireAccount(name);
      await updateAndWake(name, (record) => ({
        ...record,
        cooldownUntil: undefined,
        cooldownReason: undefined,
        cooldownKind: undefined,
        ejectedUntil: undefined,
        ejectionCount: 0,
        consecutiveFailures: 0,
      }));
    },

    probeRecovering: (probe, signal = new AbortController().signal) =>
      probeRecovering({ ctx, release: (lease, outcome) => pool.release(lease, outcome), probe, signal }),

    close() {
      renewal.stop();
      void stopWatching?.then((stop) => stop?.().catch(() => undefined));
      queue.rejectAll(new AppError(503, 'shutting_down', 'The server is shutting down'));
    },
  };
  return pool;
}
