/**
 * State shared by several server processes through Redis (or Valkey): the pool state, process
 * heartbeats, the sweep of turns left pending by dead processes, and cache invalidation.
 * Without REDIS_URL none of this runs and the in-process implementations are used.
 */
import type { Redis } from 'ioredis';
import { createRedisPoolState } from '../pool/redis-state.js';
import type { PoolState } from '../pool/state.js';
import type { RateLimitStore } from '../http/rate-limit.js';
import type { SessionStore } from '../http/session.js';
import { connectRedis, redisHealthy, redisLocation } from './connection.js';
import { createInstanceHeartbeat, type InstanceHeartbeat } from './instances.js';
import { createInvalidationBus, type InvalidationBus } from './invalidation.js';
import { createKeyspace, type Keyspace } from './keys.js';
import { createOrphanTurnSweeper, type OrphanTurnStore } from './orphan-turns.js';
import { createRedisRateLimitStore } from './rate-limit-store.js';
import { createRedisSessionStore } from './session-store.js';
import type { SharedStateLogger } from './types.js';

/** Bus topic on which a release of a full account is announced (published by the pool's Lua script). */
const POOL_RELEASES_TOPIC = 'pool-released';

export interface SharedState {
  redis: Redis;
  keys: Keyspace;
  instanceId: string;
  /** redis://host:port/db, without credentials. */
  location: string;
  poolState: PoolState;
  rateLimitStore: RateLimitStore;
  sessionStore: SessionStore;
  heartbeat: InstanceHeartbeat;
  bus: InvalidationBus;
  /**
   * Marks pending turns of dead processes incomplete now, then every `intervalMs`;
   * returns how many the first sweep marked.
   */
  watchTurns(turns: OrphanTurnStore, intervalMs: number): Promise<number>;
  healthy(): Promise<boolean>;
  close(): Promise<void>;
}

export interface ConnectSharedStateOptions {
  url: string;
  instanceId: string;
  heartbeatTtlMs: number;
  keyPrefix?: string;
  logger?: SharedStateLogger;
}

/** Connects (failing fast with a clear message), registers this process and builds the shared parts. */
export async function connectSharedState(options: ConnectSharedStateOptions): Promise<SharedState> {
  const { instanceId, logger } = options;
  const redis = await connectRedis({ url: options.url, name: `cas:${instanceId}`, logger });
  const keys = createKeyspace(options.keyPrefix);
  const heartbeat = createInstanceHeartbeat({
    redis,
    keyPrefix: keys.areaPrefix('instance'),
    instanceId,
    ttlMs: options.heartbeatTtlMs,
    logger,
  });
  const stops: (() => void)[] = [];
  try {
    await heartbeat.start();
  } catch (error) {
    redis.disconnect();
    throw error;
  }
  const bus = createInvalidationBus({
    publisher: redis,
    subscriber: redis.duplicate({ connectionName: `cas:${instanceId}:sub` }),
    channelPrefix: keys.areaPrefix('bus'),
    logger,
  });
  const poolState = createRedisPoolState({
    redis,
    prefix: keys.areaPrefix('pool'),
    owner: { id: instanceId, aliveKeyPrefix: keys.areaPrefix('instance') },
    releases: {
      channel: bus.channel(POOL_RELEASES_TOPIC),
      subscribe: (wake) => bus.subscribe(POOL_RELEASES_TOPIC, wake),
    },
  });
  return {
    redis,
    keys,
    instanceId,
    location: redisLocation(options.url),
    poolState,
    rateLimitStore: createRedisRateLimitStore({ redis, keyPrefix: keys.areaPrefix('ratelimit') }),
    sessionStore: createRedisSessionStore({ redis, keyPrefix: keys.areaPrefix('session') }),
    heartbeat,
    bus,
    async watchTurns(turns, intervalMs) {
      const sweeper = createOrphanTurnSweeper({ turns, alive: heartbeat.alive, intervalMs, logger });
      const marked = await sweeper.sweep();
      sweeper.start();
      stops.push(() => sweeper.stop());
      return marked;
    },
    healthy: () => redisHealthy(redis),
    async close() {
      for (const stop of stops) stop();
      await heartbeat.stop().catch(() => undefined);
      await bus.close();
      redis.disconnect();
    },
  };
}

export { createInstanceId } from './instance-id.js';
export { connectRedis, redisHealthy, redisLocation, SharedStateError } from './connection.js';
export { createInstanceHeartbeat } from './instances.js';
export type { InstanceHeartbeat } from './instances.js';
export { createInvalidationBus } from './invalidation.js';
export type { InvalidationBus } from './invalidation.js';
export { createKeyspace, DEFAULT_KEY_PREFIX } from './keys.js';
export type { KeyArea, Keyspace } from './keys.js';
export { createOrphanTurnSweeper } from './orphan-turns.js';
export type { OrphanTurnStore, OrphanTurnSweeper } from './orphan-turns.js';
export { createRedisRateLimitStore } from './rate-limit-store.js';
export { createRedisSessionStore } from './session-store.js';
export { sharedStateTuning, DEFAULT_HEARTBEAT_TTL_MS } from './tuning.js';
export type { SharedStateTuning } from './tuning.js';
export type { SharedStateLogger } from './types.js';
