/**
 * A small map whose entries expire: the user service's caches of keys and acted-for users, the
 * credential manager's of account secrets, and (never expiring) memoised per-text facts.
 * Bounded by clearing it whole when full (a refill costs one query per entry), so a caller
 * cycling through ids cannot grow it.
 *
 * Values read from a store while that store is being changed may be old. The owner clears the
 * cache after each change; a read passes the `version()` it started at to `set`, which drops the
 * value if a clear came in between, so a read that spans a change cannot bring the old row back.
 */
export interface ShortCache<K, V> {
  /** The value, if set and not expired at `now`. */
  get(key: K, now: number): V | undefined;
  /** Keeps the value until `expiresAt`, unless the cache was cleared after `since` (a `version()`). */
  set(key: K, value: V, expiresAt: number, since?: number): void;
  clear(): void;
  /** Taken before a read whose result goes to `set`. */
  version(): number;
}

export function createShortCache<K, V>(maxEntries: number): ShortCache<K, V> {
  const entries = new Map<K, { value: V; expiresAt: number }>();
  let clears = 0;
  return {
    get(key, now) {
      const entry = entries.get(key);
      return entry && entry.expiresAt > now ? entry.value : undefined;
    },
    set(key, value, expiresAt, since) {
      if (since !== undefined && since !== clears) return;
      if (entries.size >= maxEntries) entries.clear();
      entries.set(key, { value, expiresAt });
    },
    clear() {
      clears += 1;
      entries.clear();
    },
    version: () => clears,
  };
}
