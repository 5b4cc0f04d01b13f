/**
 * A small map whose entries expire: the user service's caches of keys and acted-for users, and
 * the credential manager's of account secrets.
 * Bounded by clearing it whole when full (a refill costs one query per entry), so a caller
 * cycling through ids cannot grow it.
 */
export interface ShortCache<K, V> {
  /** The value, if set and not expired at `now`. */
  get(key: K, now: number): V | undefined;
  set(key: K, value: V, expiresAt: number): void;
  clear(): void;
}

export function createShortCache<K, V>(maxEntries: number): ShortCache<K, V> {
  const entries = new Map<K, { value: V; expiresAt: number }>();
  return {
    get(key, now) {
      const entry = entries.get(key);
      return entry && entry.expiresAt > now ? entry.value : undefined;
    },
    set(key, value, expiresAt) {
      if (entries.size >= maxEntries) entries.clear();
      entries.set(key, { value, expiresAt });
    },
    clear: () => entries.clear(),
  };
}
