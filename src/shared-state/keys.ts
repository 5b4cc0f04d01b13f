/**
 * Every Redis key and channel of the server lives under one prefix, so several deployments (or
 * tests) can share a Redis and an operator can find or flush ours with `SCAN cas:*`.
 */
export const DEFAULT_KEY_PREFIX = 'cas:';

/** Areas of the keyspace; each owner of shared state writes under its own. */
export type KeyArea = 'pool' | 'instance' | 'session' | 'ratelimit' | 'bus';

export interface Keyspace {
  readonly prefix: string;
  /** `<prefix><area>:` — for code that builds its own keys (the pool state, Lua scripts). */
  areaPrefix(area: KeyArea): string;
  /** `<prefix><area>:<part>:<part>…` */
  key(area: KeyArea, ...parts: string[]): string;
}

export function createKeyspace(prefix: string = DEFAULT_KEY_PREFIX): Keyspace {
  const areaPrefix = (area: KeyArea): string => `${prefix}${area}:`;
  return {
    prefix,
    areaPrefix,
    key: (area, ...parts) => areaPrefix(area) + parts.join(':'),
  };
}
