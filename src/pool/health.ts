/**
 * Health transitions, as pure functions of (record, outcome, time). The pool decides beforehand
 * whether an ejection is allowed (the maxEjectShare cap needs the whole tier's state).
 */
import { redact } from '../redact.js';
import type { UpstreamError, UpstreamFailureKind } from '../upstream/types.js';
import type { HealthRecord } from './state.js';
import type { AccountStatus, PoolAccountSpec, PoolOptions, ReleaseOutcome } from './types.js';

/** Failures that say nothing about the account's health. */
const NEUTRAL_KINDS = new Set<UpstreamFailureKind>(['cancelled', 'invalid_request']);
/** Failures counted towards ejection: the upstream or the path to it misbehaves. */
export const EJECTABLE_KINDS = new Set<UpstreamFailureKind>([
  'upstream_error',
  'network',
  'timeout',
  'bad_response',
]);

export interface TransitionContext {
  now: number;
  options: PoolOptions;
  /** False when ejecting this account would exceed the tier's maxEjectShare. */
  mayEject: boolean;
}

const describe = (error: UpstreamError): string => redact(error.message).slice(0, 500);

export function applyOutcome(
  record: HealthRecord,
  outcome: ReleaseOutcome,
  ctx: TransitionContext,
): HealthRecord {
  const { now, options } = ctx;
  if (outcome.ok) {
    return {
      ...record,
      served: record.served + 1,
      consecutiveFailures: 0,
      ejectionCount: 0,
      ejectedUntil: undefined,
      lastSuccessAt: now,
    };
  }
  const { error } = outcome;
  if (NEUTRAL_KINDS.has(error.kind)) return record;
  const text = describe(error);
  const failed: HealthRecord = { ...record, lastFailureAt: now, lastError: `${error.kind}: ${text}` };
  if (error.kind === 'account_busy') return failed;
  failed.failed = record.failed + 1;

  switch (error.kind) {
    case 'rate_limited': {
      const seconds = error.retryAfterSeconds ?? options.defaultRateLimitCooldownS;
      const code = error.upstreamCode ? ` (${error.upstreamCode})` : '';
      return cool(failed, now + seconds * 1000, 'rate_limited', `Rate limited by the upstream${code}`);
    }
    case 'upstream_challenge': {
      const seconds = error.retryAfterSeconds ?? options.challengeCooldownS;
      return cool(failed, now + seconds * 1000, 'upstream_challenge', `Blocked by the upstream: ${text}`);
    }
    case 'auth_expired':
      return { ...failed, disabled: true, disabledReason: `Access token expired and could not be refreshed` };
    case 'auth_invalid':
      return { ...failed, disabled: true, disabledReason: `Credentials rejected by the upstream: ${text}` };
    default:
      return countFailure(failed, ctx);
  }
}

function cool(record: HealthRecord, until: number, kind: UpstreamFailureKind, reason: string): HealthRecord {
  // A later, longer cooldown wins; an earlier one never shortens the current one.
  if (record.cooldownUntil !== undefined && record.cooldownUntil >= until) return record;
  return { ...record, cooldownUntil: until, cooldownKind: kind, cooldownReason: reason };
}

function countFailure(record: HealthRecord, ctx: TransitionContext): HealthRecord {
  const { now, options } = ctx;
  const consecutiveFailures = record.consecutiveFailures + 1;
  const alreadyEjected = record.ejectedUntil !== undefined && record.ejectedUntil > now;
  if (consecutiveFailures < options.failuresBeforeEject || alreadyEjected || !ctx.mayEject) {
    return { ...record, consecutiveFailures };
  }
  const backoff = Math.min(options.ejectBaseMs * 2 ** record.ejectionCount, options.ejectMaxMs);
  return {
    ...record,
    consecutiveFailures,
    ejectedUntil: now + backoff,
    ejectionCount: record.ejectionCount + 1,
  };
}

export const isCooling = (record: HealthRecord, now: number): boolean =>
  record.cooldownUntil !== undefined && record.cooldownUntil > now;

export const isEjected = (record: HealthRecord, now: number): boolean =>
  record.ejectedUntil !== undefined && record.ejectedUntil > now;

/** Usable for a new turn (ignoring concurrency). */
export const isAvailable = (record: HealthRecord, now: number): boolean =>
  !record.disabled && !isCooling(record, now) && !isEjected(record, now);

/**
 * After an ejection ends the account is on probation: one turn at a time until a success,
 * so a still-broken upstream costs one request, not a burst.
 */
export function effectiveConcurrency(spec: PoolAccountSpec, record: HealthRecord): number {
  const probing = record.ejectionCount > 0 && record.ejectedUntil !== undefined;
  return probing ? Math.min(1, spec.maxConcurrency) : spec.maxConcurrency;
}

export interface StatusInfo {
  status: AccountStatus;
  until?: number;
  reason?: string;
}

export function statusOf(input: {
  spec: PoolAccountSpec;
  record: HealthRecord;
  inFlight: number;
  now: number;
}): StatusInfo {
  const { spec, record, inFlight, now } = input;
  if (record.disabled) return { status: 'disabled', reason: record.disabledReason };
  if (isCooling(record, now)) {
    return { status: 'cooling', until: record.cooldownUntil, reason: record.cooldownReason };
  }
  if (isEjected(record, now)) {
    return {
      status: 'ejected',
      until: record.ejectedUntil,
      reason: `${record.consecutiveFailures} consecutive failures`,
    };
  }
  if (inFlight >= effectiveConcurrency(spec, record)) return { status: 'busy' };
  return { status: 'ready' };
}
