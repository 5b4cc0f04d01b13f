/**
 * Attempt throttling for sensitive routes (access-token retrieval): a sliding window of counted
 * attempts per key. The interface is async so a shared (e.g. Redis) implementation can replace
 * the in-memory one when several processes serve the same users.
 */

export interface AttemptThrottle {
  /** Seconds until another attempt under this key is allowed; 0 when it is allowed now. */
  retryAfter(key: string): Promise<number>;
  /** Counts one attempt under the key. */
  record(key: string): Promise<void>;
}

export interface ThrottleRule {
  /** Attempts allowed in any window. */
  limit: number;
  windowMs: number;
}

export interface MemoryThrottleOptions extends ThrottleRule {
  clock?: () => number;
  /** Keys kept at most; the oldest are dropped beyond it, so memory stays bounded. */
  maxKeys?: number;
}

export function createMemoryThrottle({
  limit,
  windowMs,
  clock = Date.now,
  maxKeys = 100_000,
}: MemoryThrottleOptions): AttemptThrottle {
  // Attempt times per key, oldest first. Map order is insertion order, used to evict the oldest keys.
  const attempts = new Map<string, number[]>();

  const live = (key: string, now: number): number[] => {
    const times = attempts.get(key);
    if (!times) return [];
    const kept = times.filter((t) => t > now - windowMs);
    if (kept.length === 0) attempts.delete(key);
    else attempts.set(key, kept);
    return kept;
  };

  return {
    async retryAfter(key) {
      const now = clock();
      const times = live(key, now);
      if (times.length < limit) return 0;
      // The window frees a slot when the attempt `limit` places back expires.
      const freeingAt = (times[times.length - limit] ?? now) + windowMs;
      return Math.max(1, Math.ceil((freeingAt - now) / 1000));
    },

    async record(key) {
      const now = clock();
      const times = live(key, now);
      times.push(now);
      attempts.delete(key);
      attempts.set(key, times.slice(-limit));
      while (attempts.size > maxKeys) {
        const oldest = attempts.keys().next().value;
        if (oldest === undefined) break;
        attempts.delete(oldest);
      }
    },
  };
}
