/**
 * The in-process RateLimitStore: fixed windows in a Map. Enough for one process; the Redis
 * store shares the counters between processes. Expired windows are swept as they are met and
 * on a timer, so an attacker rotating keys cannot grow the map without bound.
 */
import type { RateLimitDecision, RateLimitStore } from './rate-limit.js';

interface Window {
  count: number;
  resetAt: number;
}

export function createMemoryRateLimitStore(
  options: { clock?: () => number; maxKeys?: number } = {},
): RateLimitStore & { size(): number } {
  const clock = options.clock ?? Date.now;
  const maxKeys = options.maxKeys ?? 100_000;
  const windows = new Map<string, Window>();

  const sweep = (now: number) => {
    for (const [key, window] of windows) if (window.resetAt <= now) windows.delete(key);
  };

  const current = (key: string, windowMs: number, now: number): Window => {
    const found = windows.get(key);
    if (found && found.resetAt > now) return found;
    if (windows.size >= maxKeys) sweep(now);
    const fresh = { count: 0, resetAt: now + windowMs };
    windows.set(key, fresh);
    return fresh;
  };

  const decide = (window: Window, limit: number, now: number): RateLimitDecision => ({
    allowed: window.count <= limit,
    remaining: Math.max(0, limit - window.count),
    retryAfterMs: window.count <= limit ? 0 : Math.max(1, window.resetAt - now),
  });

  return {
    async hit(key, windowMs, limit) {
      const now = clock();
      const window = current(key, windowMs, now);
      window.count += 1;
      return decide(window, limit, now);
    },
    peek(key, windowMs, limit) {
      const now = clock();
      const found = windows.get(key);
      if (!found || found.resetAt <= now) return { allowed: true, remaining: limit, retryAfterMs: 0 };
      // Blocked when the next hit would go over, so a peek answers "may I try once more?".
      const blocked = found.count >= limit;
      return {
        allowed: !blocked,
        remaining: Math.max(0, limit - found.count),
        retryAfterMs: blocked ? Math.max(1, found.resetAt - now) : 0,
      };
    },
    size: () => windows.size,
  };
}
