/**
 * The SessionStore shared by every process: one JSON value per browser session, expired by
 * Redis itself, so signing in on one replica is valid on all and signing out ends it everywhere.
 */
import type { Redis } from 'ioredis';
import type { SessionData, SessionStore } from '../http/session.js';

export interface RedisSessionStoreOptions {
  redis: Redis;
  /** Keys are `<keyPrefix><session id>`, e.g. `cas:session:<id>`. */
  keyPrefix: string;
}

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
  return {
    async get(id) {
      return parseSession(await redis.get(keyPrefix + id));
    },
    async set(id, data, ttlMs) {
      await redis.set(keyPrefix + id, JSON.stringify(data), 'PX', Math.max(1, Math.ceil(ttlMs)));
    },
    async delete(id) {
      await redis.del(keyPrefix + id);
    },
  };
}
