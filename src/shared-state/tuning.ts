/**
 * Timing knobs of the multi-process mode, from the environment (tests shorten them; operators
 * rarely need to): POOL_LEASE_TTL_MS (a lease not released within this time ends; default the
 * pool's 600000), INSTANCE_HEARTBEAT_TTL_MS (a process silent this long counts as dead; default
 * 15000), TURN_SWEEP_INTERVAL_MS (how often pending turns of dead processes are looked for;
 * default the heartbeat TTL).
 */
export interface SharedStateTuning {
  leaseTtlMs?: number;
  heartbeatTtlMs: number;
  sweepIntervalMs: number;
}

export const DEFAULT_HEARTBEAT_TTL_MS = 15_000;

function positiveMs(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`${name} must be a whole number of milliseconds ≥ 1`);
  return value;
}

export function sharedStateTuning(env: NodeJS.ProcessEnv): SharedStateTuning {
  const heartbeatTtlMs = positiveMs(env, 'INSTANCE_HEARTBEAT_TTL_MS') ?? DEFAULT_HEARTBEAT_TTL_MS;
  return {
    leaseTtlMs: positiveMs(env, 'POOL_LEASE_TTL_MS'),
    heartbeatTtlMs,
    sweepIntervalMs: positiveMs(env, 'TURN_SWEEP_INTERVAL_MS') ?? heartbeatTtlMs,
  };
}
