/**
 * The per-user daily quota (`limits.requests_per_day`), checked against the day's usage rows
 * before any upstream call. Every recorded turn counts, failed ones too (they used an account).
 * Concurrent requests of one user may overshoot by the number in flight: the count is of
 * finished turns, and a shared counter would cost a write per request for that edge.
 */
import { AppError } from '../errors.js';
import type { Store } from '../store/index.js';
import { utcDay } from '../store/index.js';
import type { Principal } from '../users/principal.js';

const DAY_MS = 86_400_000;

/** Seconds until the next UTC midnight, when the day's count starts again (at least 1). */
export function secondsUntilUtcMidnight(now: number): number {
  const nextMidnight = (Math.floor(now / DAY_MS) + 1) * DAY_MS;
  return Math.max(1, Math.ceil((nextMidnight - now) / 1000));
}

interface QuotaCheck {
  store: Store;
  principal: Principal;
  now: number;
  onRejected?: () => void;
}

/**
 * Rejects with a 429 and Retry-After when the user has used up today's requests. Undefined (no
 * promise, no wait) for a user without a daily quota, as most are: every turn asks.
 */
export function enforceDailyQuota(options: QuotaCheck): Promise<void> | undefined {
  const { principal } = options;
  const limit = principal.limits.requests_per_day;
  if (limit === undefined || principal.via === 'admin_key') return undefined;
  return checkDailyQuota(options, limit);
}

async function checkDailyQuota(
  { store, principal, now, onRejected }: QuotaCheck,
  limit: number,
): Promise<void> {
  const used = await store.usage.requestsOn(principal.userId, utcDay(now));
  if (used < limit) return;
  onRejected?.();
  throw new AppError(
    429,
    'daily_quota_exceeded',
    `Daily quota of ${limit} requests used up; it resets at 00:00 UTC`,
    { retryAfterSeconds: secondsUntilUtcMidnight(now), details: { limit, used } },
  );
}
