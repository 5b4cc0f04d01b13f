/**
 * One non-blocking try at leasing an account for a request: either a lease, an error to give
 * the caller at once, or 'wait' (everything eligible is busy).
 */
import { effectiveConcurrency, isAvailable, isCooling, isEjected } from './health.js';
import {
  allAccountsTried,
  conversationAccountGone,
  conversationAccountUnavailable,
  describeSelection,
  noAccountConfigured,
  plusNotAllowed,
  tierUnavailable,
} from './pool-errors.js';
import type { LeaseRenewal } from './lease-renewal.js';
import type { AttemptResult } from './wait-queue.js';
import { emptyHealth } from './state.js';
import type { PoolState } from './state.js';
import type { AcquireRequest, Clock, Lease, PoolAccountSpec, PoolOptions } from './types.js';

export interface AttemptContext {
  state: PoolState;
  accounts: ReadonlyMap<string, PoolAccountSpec>;
  options: PoolOptions;
  clock: Clock;
  /** Every lease taken here is kept alive until the pool releases (or discards) it. */
  renewal: Pick<LeaseRenewal, 'track'>;
}

/** Accounts of the request's tier that may serve it, in configuration order. */
export function eligibleAccounts(
  accounts: Iterable<PoolAccountSpec>,
  request: Pick<AcquireRequest, 'tier' | 'userPlus' | 'kinds' | 'model'>,
): PoolAccountSpec[] {
  const wantPlus =
    request.tier === 'plus' ? true : request.tier === 'free' || !request.userPlus ? false : undefined;
  return [...accounts].filter(
    (spec) =>
      (wantPlus === undefined || spec.plus === wantPlus) &&
      (!request.kinds || request.kinds.includes(spec.kind)) &&
      (!request.model || !spec.models || spec.models.includes(request.model)),
  );
}

export async function attemptAcquire(
  ctx: AttemptContext,
  request: AcquireRequest,
): Promise<AttemptResult<Lease>> {
  if (request.tier === 'plus' && !request.userPlus) return { error: plusNotAllowed() };
  if (request.stickyAccount !== undefined) {
    const sticky = ctx.accounts.get(request.stickyAccount);
    if (!sticky) return { error: conversationAccountGone() };
    if (sticky.kind === 'chatgpt') return attemptSticky(ctx, request, sticky);
  }
  const members = eligibleAccounts(ctx.accounts.values(), request);
  if (members.length === 0) return { error: noAccountConfigured(describeSelection(request)) };
  const names = members.map((spec) => spec.name);
  const [health, inFlight] = await Promise.all([ctx.state.getHealth(names), ctx.state.inFlight(names)]);
  const now = ctx.clock.now();
  const excluded = new Set(request.exclude ?? []);
  const withHealth = members.map((spec) => ({ spec, record: health.get(spec.name) ?? emptyHealth() }));
  const candidates = withHealth.filter(({ spec }) => !excluded.has(spec.name));
  const available = candidates.filter(({ record }) => isAvailable(record, now));
  if (available.length === 0) {
    const triedUsable = withHealth.some(
      ({ spec, record }) => excluded.has(spec.name) && isAvailable(record, now),
    );
    // Described only here: most requests find an account, and the text is not free.
    const selection = describeSelection(request);
    if (candidates.length === 0 || triedUsable) return { error: allAccountsTried(selection) };
    return { error: tierUnavailable(selection, candidates, now) };
  }
  let free = available.filter(
    ({ spec, record }) => (inFlight.get(spec.name) ?? 0) < effectiveConcurrency(spec, record),
  );
  while (free.length > 0) {
    const rotation = request.tier === 'any' && !request.userPlus ? 'free' : request.tier;
    const chosen = await ctx.state.pickWeighted(
      rotation,
      free.map(({ spec }) => ({ name: spec.name, weight: spec.weight })),
    );
    const pick = free.find(({ spec }) => spec.name === chosen);
    if (!pick) break;
    const lease = await leaseFor(ctx, pick.spec, effectiveConcurrency(pick.spec, pick.record));
    if (lease) return { value: lease };
    // Another process took the last slot between our read and the lease: try the others.
    free = free.filter((entry) => entry !== pick);
  }
  return 'wait';
}

async function attemptSticky(
  ctx: AttemptContext,
  request: AcquireRequest,
  spec: PoolAccountSpec,
): Promise<AttemptResult<Lease>> {
  if (spec.plus && !request.userPlus) return { error: plusNotAllowed() };
  if (request.exclude?.includes(spec.name)) return { error: allAccountsTried(`account ${spec.name}`) };
  const record = (await ctx.state.getHealth([spec.name])).get(spec.name) ?? emptyHealth();
  const now = ctx.clock.now();
  if (!isAvailable(record, now)) {
    const until = isCooling(record, now)
      ? record.cooldownUntil
      : isEjected(record, now)
        ? record.ejectedUntil
        : undefined;
    const waitable =
      !record.disabled && until !== undefined && until - now <= ctx.options.stickyCooldownWaitMs;
    return waitable ? 'wait' : { error: conversationAccountUnavailable(spec, record, now) };
  }
  const lease = await leaseFor(ctx, spec, effectiveConcurrency(spec, record));
  return lease ? { value: lease } : 'wait';
}

async function leaseFor(
  ctx: AttemptContext,
  spec: PoolAccountSpec,
  maxConcurrency: number,
): Promise<Lease | undefined> {
  const id = await ctx.state.acquireLease({
    account: spec.name,
    maxConcurrency,
    ttlMs: ctx.options.leaseTtlMs,
  });
  if (id === undefined) return undefined;
  const lease = { id, account: spec };
  ctx.renewal.track(lease);
  return lease;
}
