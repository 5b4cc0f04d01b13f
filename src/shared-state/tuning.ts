/**
 * Timing knobs, from the environment (tests shorten them; operators rarely need to):
 * POOL_LEASE_TTL_MS (a lease no process renews ends after this; default the pool's 600000),
 * POOL_LEASE_MAX_LIFETIME_MS (a live process renews a lease up to this age; default 7200000,
 * at least the TTL), INSTANCE_HEARTBEAT_TTL_MS (a process silent this long counts as dead;
 * default 15000), TURN_SWEEP_INTERVAL_MS (how often pending turns of dead processes are looked
 * for; default the heartbeat TTL).
 */
import { wholeNumberFromEnv } from '../config/env.js';
import { ConfigError, type ConfigIssue } from '../config/errors.js';
import { DEFAULT_POOL_OPTIONS, type PoolOptions } from '../pool/types.js';

export interface SharedStateTuning {
  /** Only the knobs that were set; the pool's defaults fill the rest. */
  poolOptions: Partial<Pick<PoolOptions, 'leaseTtlMs' | 'leaseMaxLifetimeMs'>>;
  heartbeatTtlMs: number;
  sweepIntervalMs: number;
}

export const DEFAULT_HEARTBEAT_TTL_MS = 15_000;

const positiveMs = (env: NodeJS.ProcessEnv, name: string, issues: ConfigIssue[]): number | undefined =>
  wholeNumberFromEnv(env, issues, { name, min: 1, message: 'must be a whole number of milliseconds ≥ 1' });

/** Every problem is listed at once, as for settings.json. */
export function sharedStateTuning(env: NodeJS.ProcessEnv): SharedStateTuning {
  const issues: ConfigIssue[] = [];
  const leaseTtlMs = positiveMs(env, 'POOL_LEASE_TTL_MS', issues);
  const leaseMaxLifetimeMs = positiveMs(env, 'POOL_LEASE_MAX_LIFETIME_MS', issues);
  const heartbeatTtlMs = positiveMs(env, 'INSTANCE_HEARTBEAT_TTL_MS', issues) ?? DEFAULT_HEARTBEAT_TTL_MS;
  const sweepIntervalMs = positiveMs(env, 'TURN_SWEEP_INTERVAL_MS', issues) ?? heartbeatTtlMs;
  const ttl = leaseTtlMs ?? DEFAULT_POOL_OPTIONS.leaseTtlMs;
  if (leaseMaxLifetimeMs !== undefined && leaseMaxLifetimeMs < ttl) {
    issues.push({
      path: 'env.POOL_LEASE_MAX_LIFETIME_MS',
      message: `must be at least the lease TTL (${ttl} ms), or leases are never renewed`,
    });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  const poolOptions: SharedStateTuning['poolOptions'] = {};
  if (leaseTtlMs !== undefined) poolOptions.leaseTtlMs = leaseTtlMs;
  if (leaseMaxLifetimeMs !== undefined) poolOptions.leaseMaxLifetimeMs = leaseMaxLifetimeMs;
  return { poolOptions, heartbeatTtlMs, sweepIntervalMs };
}
