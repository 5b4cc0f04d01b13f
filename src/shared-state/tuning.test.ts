import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config/errors.js';
import { DEFAULT_HEARTBEAT_TTL_MS, sharedStateTuning } from './tuning.js';

function issuesOf(env: NodeJS.ProcessEnv): string[] {
  try {
    sharedStateTuning(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).issues.map((issue) => `${issue.path}: ${issue.message}`);
  }
  throw new Error('expected a ConfigError');
}

describe('sharedStateTuning', () => {
  it('leaves the pool its defaults and sweeps at the heartbeat TTL when nothing is set', () => {
    expect(sharedStateTuning({})).toEqual({
      poolOptions: {},
      heartbeatTtlMs: DEFAULT_HEARTBEAT_TTL_MS,
      sweepIntervalMs: DEFAULT_HEARTBEAT_TTL_MS,
    });
  });

  it('passes every knob that is set, the lease ones to the pool', () => {
    const tuning = sharedStateTuning({
      POOL_LEASE_TTL_MS: ' 1000 ',
      POOL_LEASE_MAX_LIFETIME_MS: '5000',
      INSTANCE_HEARTBEAT_TTL_MS: '300',
      TURN_SWEEP_INTERVAL_MS: '',
    });
    expect(tuning).toEqual({
      poolOptions: { leaseTtlMs: 1000, leaseMaxLifetimeMs: 5000 },
      heartbeatTtlMs: 300,
      sweepIntervalMs: 300,
    });
  });

  it('lists every bad value at once, with its variable', () => {
    expect(
      issuesOf({ POOL_LEASE_TTL_MS: '0', INSTANCE_HEARTBEAT_TTL_MS: '1.5', TURN_SWEEP_INTERVAL_MS: 'soon' }),
    ).toEqual([
      'env.POOL_LEASE_TTL_MS: must be a whole number of milliseconds ≥ 1',
      'env.INSTANCE_HEARTBEAT_TTL_MS: must be a whole number of milliseconds ≥ 1',
      'env.TURN_SWEEP_INTERVAL_MS: must be a whole number of milliseconds ≥ 1',
    ]);
  });

  it('refuses a longest lease lifetime shorter than the TTL, set or default', () => {
    expect(issuesOf({ POOL_LEASE_MAX_LIFETIME_MS: '60000' })).toEqual([
      'env.POOL_LEASE_MAX_LIFETIME_MS: must be at least the lease TTL (600000 ms), or leases are never renewed',
    ]);
    expect(issuesOf({ POOL_LEASE_TTL_MS: '2000', POOL_LEASE_MAX_LIFETIME_MS: '1999' })).toHaveLength(1);
    expect(
      sharedStateTuning({ POOL_LEASE_TTL_MS: '2000', POOL_LEASE_MAX_LIFETIME_MS: '2000' }).poolOptions,
    ).toEqual({ leaseTtlMs: 2000, leaseMaxLifetimeMs: 2000 });
  });
});
