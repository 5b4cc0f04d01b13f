/**
 * The RateLimitStore shared by every process: one fixed window per key, counted with INCR and
 * ended by the key's own expiry, in one Lua script so counting and deciding are one step.
 * Same decisions as the in-process store (src/http/rate-limit-memory.ts).
 */
import type { Redis } from 'ioredis';
import type { RateLimitDecision, RateLimitStore } from '../http/rate-limit.js';

export interface RedisRateLimitStoreOptions {
  redis: Redis;
  /** Keys are `<keyPrefix><limiter key>`, e.g. `cas:ratelimit:user:alice`. */
  keyPrefix: string;
}

/** KEYS[1] counter; ARGV[1] window ms. Returns { count, ms until the window ends }. */
const HIT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return { count, ttl }
`;

type HitCall = (key: string, windowMs: number) => Promise<[number, number]>;

export function createRedisRateLimitStore(options: RedisRateLimitStoreOptions): RateLimitStore {
  const { redis, keyPrefix } = options;
  redis.defineCommand('casRateLimitHit', { numberOfKeys: 1, lua: HIT });
  const hitScript = (redis as unknown as { casRateLimitHit: HitCall }).casRateLimitHit.bind(redis);
  return {
    async hit(key, windowMs, limit): Promise<RateLimitDecision> {
      const [count, ttl] = await hitScript(keyPrefix + key, windowMs);
      const allowed = count <= limit;
      return {
        allowed,
        remaining: Math.max(0, limit - count),
        retryAfterMs: allowed ? 0 : Math.max(1, ttl),
      };
    },
    async peek(key, _windowMs, limit): Promise<RateLimitDecision> {
      const [raw, ttl] = await redis
        .multi()
        .get(keyPrefix + key)
        .pttl(keyPrefix + key)
        .exec()
        .then((replies) => (replies ?? []).map(([, value]) => value));
      const count = Number(raw ?? 0);
      if (!raw || Number(ttl) <= 0) return { allowed: true, remaining: limit, retryAfterMs: 0 };
      // Blocked when the next hit would go over: a peek answers "may I try once more?".
      const blocked = count >= limit;
      return {
        allowed: !blocked,
        remaining: Math.max(0, limit - count),
        retryAfterMs: blocked ? Math.max(1, Number(ttl)) : 0,
      };
    },
  };
}
