/**
 * The SessionStore shared by every process: one JSON value per browser session, expired by
 * Redis itself, so signing in on one replica is valid on all and signing out ends it everywhere.
 * Each user's sessions are also listed in a sorted set by expiry, so a sign-in past the cap ends
 * that user's session nearest its end (the oldest: every session lives as long), as the database
 * store does: a key holder signing in over and over cannot fill Redis.
 */
import type { Redis } from 'ioredis';
import { MAX_SESSIONS_PER_USER, type SessionData, type SessionStore } from '../http/session.js';

export interface RedisSessionStoreOptions {
  redis: Redis;
  /** Keys are `<keyPrefix><session id>`, e.g. `cas:session:<id>`; users' lists `<keyPrefix>by-user:<id>`. */
  keyPrefix: string;
  maxPerUser?: number;
}

/**
 * KEYS[1] session, KEYS[2] the user's list; ARGV: value, ttl ms, session id, now ms, cap, key
 * prefix. Expired entries leave the list first, then the ones past the cap with their sessions.
 */
const SET_CAPPED = `
local ttl = tonumber(ARGV[2])
local now = tonumber(ARGV[4])
redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
redis.call('ZADD', KEYS[2], now + ttl, ARGV[3])
local over = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[5])
if over > 0 then
  for _, id in ipairs(redis.call('ZRANGE', KEYS[2], 0, over - 1)) do
    redis.call('DEL', ARGV[6] .. id)
  end
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, over - 1)
end
local longest = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
redis.call('PEXPIRE', KEYS[2], math.max(1, tonumber(longest[2]) - now))
`;

type SetCappedCall = (
  sessionKey: string,
  userKey: string,
  ...args: [value: string, ttlMs: number, id: string, now: number, cap: number, prefix: string]
) => Promise<unknown>;

function parseSession(raw: string | null): SessionData | undefined {
  if (!raw) return undefined;
  try {
    const data = JSON.parse(raw) as Partial<SessionData>;
    if (typeof data.userId !== 'string' || typeof data.keyHash !== 'string') return undefined;
    return { userId: data.userId, keyHash: data.keyHash, createdAt: Number(data.createdAt ?? 0) };
  } catch {
    return undefined;
  }
}

export function createRedisSessionStore(options: RedisSessionStoreOptions): SessionStore {
  const { redis, keyPrefix } = options;
  const maxPerUser = options.maxPerUser ?? MAX_SESSIONS_PER_USER;
  const userKey = (userId: string) => `${keyPrefix}by-user:${userId}`;
  redis.defineCommand('casSessionSet', { numberOfKeys: 2, lua: SET_CAPPED });
  const setCapped = (redis as unknown as { casSessionSet: SetCappedCall }).casSessionSet.bind(redis);
  return {
    async get(id) {
      return parseSession(await redis.get(keyPrefix + id));
    },
    async set(id, data, ttlMs) {
      const ttl = Math.max(1, Math.ceil(ttlMs));
      await setCapped(
        keyPrefix + id,
        userKey(data.userId),
        JSON.stringify(data),
        ttl,
        id,
        Date.now(),
        maxPerUser,
        keyPrefix,
      );
    },
    async delete(id) {
      const data = parseSession(await redis.get(keyPrefix + id));
      const removal = redis.multi().del(keyPrefix + id);
      if (data) removal.zrem(userKey(data.userId), id);
      await removal.exec();
    },
  };
}
