/**
 * Which server processes are alive: each one refreshes a Redis key with a TTL (its heartbeat).
 * A process killed with -9 stops refreshing, its key expires, and the others can tell: its
 * leases end (see RedisPoolState's `owner`) and its pending turns are marked incomplete.
 */
import type { Redis } from 'ioredis';
import type { SharedStateLogger } from './types.js';

export interface InstanceHeartbeatOptions {
  redis: Redis;
  /** Heartbeat keys are `<keyPrefix><instance id>`. */
  keyPrefix: string;
  instanceId: string;
  /** How long a heartbeat lasts without being refreshed; refreshed every third of it. */
  ttlMs: number;
  logger?: SharedStateLogger;
}

export interface InstanceHeartbeat {
  readonly instanceId: string;
  /** Writes the first heartbeat (awaited: leases of this process depend on it) and starts the timer. */
  start(): Promise<void>;
  /** Which of these instance ids still have a heartbeat. */
  alive(instanceIds: readonly string[]): Promise<Set<string>>;
  /** Stops refreshing and removes this process's heartbeat (a clean stop). */
  stop(): Promise<void>;
}

export function createInstanceHeartbeat(options: InstanceHeartbeatOptions): InstanceHeartbeat {
  const { redis, keyPrefix, instanceId, ttlMs, logger } = options;
  const key = keyPrefix + instanceId;
  let timer: NodeJS.Timeout | undefined;
  const beat = async (): Promise<void> => {
    await redis.set(key, String(Date.now()), 'PX', ttlMs);
  };
  return {
    instanceId,
    async start() {
      await beat();
      timer = setInterval(
        () => {
          beat().catch((error: unknown) =>
            logger?.warn({ err: String(error), instanceId }, 'heartbeat not written to redis'),
          );
        },
        Math.max(50, Math.floor(ttlMs / 3)),
      );
      timer.unref();
    },
    async alive(instanceIds) {
      const ids = [...new Set(instanceIds)];
      if (ids.length === 0) return new Set();
      const beats = await redis.mget(...ids.map((id) => keyPrefix + id));
      return new Set(ids.filter((_, i) => beats[i] !== null));
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
      await redis.del(key);
    },
  };
}
