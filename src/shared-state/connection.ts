/**
 * The Redis connection from config.redisUrl: connects eagerly and checks with a PING, so a
 * server told to share state refuses to start without it rather than quietly running alone.
 */
import type { Redis } from 'ioredis';
import type * as ioredisModule from 'ioredis';
import { lazyRequire } from '../lazy-require.js';
import { redact } from '../redact.js';
import type { SharedStateLogger } from './types.js';

export interface RedisConnectionOptions {
  url: string;
  /** Connection name shown by CLIENT LIST (e.g. cas:<instance id>). */
  name?: string;
  connectTimeoutMs?: number;
  logger?: SharedStateLogger;
}

export class SharedStateError extends Error {
  override name = 'SharedStateError';
}

const passwordOf = (url: string): string | undefined => {
  try {
    return decodeURIComponent(new URL(url).password) || undefined;
  } catch {
    return undefined;
  }
};

/** Where Redis is, for messages: never the password. */
export function redisLocation(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.hostname}:${parsed.port || 6379}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  } catch {
    return 'redis (unparsable URL)';
  }
}

// Loaded only when REDIS_URL is set (see lazy-require.ts).
const loadIoredis = lazyRequire<typeof ioredisModule>('ioredis');

export async function connectRedis(options: RedisConnectionOptions): Promise<Redis> {
  const location = redisLocation(options.url);
  const secrets = [passwordOf(options.url)];
  const redis = new (loadIoredis().Redis)(options.url, {
    lazyConnect: true,
    connectionName: options.name,
    connectTimeout: options.connectTimeoutMs ?? 5000,
    // A command fails after a few tries instead of hanging a request while Redis is away.
    maxRetriesPerRequest: 3,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  let lastError: string | undefined;
  redis.on('error', (error: Error) => {
    lastError = redact(error.message, secrets);
    options.logger?.warn({ redis: location, err: lastError }, 'redis connection problem');
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    const reason = lastError ?? redact(error instanceof Error ? error.message : String(error), secrets);
    throw new SharedStateError(
      `Redis at ${location} is not reachable (${reason}). REDIS_URL must point at a running Redis or Valkey; unset it to run a single process without shared state.`,
    );
  }
  return redis;
}

/** Readiness check: true when Redis answers a PING within the time. */
export async function redisHealthy(redis: Redis, timeoutMs = 1000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([redis.ping().then((reply) => reply === 'PONG'), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
