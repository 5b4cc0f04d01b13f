/**
 * Cache invalidation over Redis pub/sub. Nothing caches keys or users today (each request reads
 * the database, so a revoked key is refused everywhere at once); a cache added later must drop
 * its entries on these messages, e.g. bus.subscribe('api-key', (hash) => cache.delete(hash))
 * and bus.publish('api-key', hash) after a revocation.
 */
import type { Redis } from 'ioredis';
import type { SharedStateLogger } from './types.js';

export interface InvalidationBusOptions {
  /** Connection for PUBLISH (may be shared with other commands). */
  publisher: Redis;
  /** A connection of its own: once subscribed, it cannot run other commands. */
  subscriber: Redis;
  /** Channels are `<channelPrefix><topic>`. */
  channelPrefix: string;
  logger?: SharedStateLogger;
}

export interface InvalidationBus {
  publish(topic: string, id: string): Promise<void>;
  /** Calls `handler` with each id published on the topic (by any process, this one included). */
  subscribe(topic: string, handler: (id: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export function createInvalidationBus(options: InvalidationBusOptions): InvalidationBus {
  const { publisher, subscriber, channelPrefix, logger } = options;
  const handlers = new Map<string, Set<(id: string) => void>>();
  subscriber.on('error', (error: Error) =>
    logger?.warn({ err: error.message }, 'redis subscriber connection problem'),
  );
  subscriber.on('message', (channel: string, message: string) => {
    for (const handler of handlers.get(channel) ?? []) {
      try {
        handler(message);
      } catch (error) {
        logger?.error({ err: String(error), channel }, 'invalidation handler failed');
      }
    }
  });
  return {
    async publish(topic, id) {
      await publisher.publish(channelPrefix + topic, id);
    },
    async subscribe(topic, handler) {
      const channel = channelPrefix + topic;
      let set = handlers.get(channel);
      if (!set) {
        set = new Set();
        handlers.set(channel, set);
        await subscriber.subscribe(channel);
      }
      set.add(handler);
      return async () => {
        set.delete(handler);
        if (set.size === 0 && handlers.get(channel) === set) {
          handlers.delete(channel);
          await subscriber.unsubscribe(channel);
        }
      };
    },
    async close() {
      handlers.clear();
      subscriber.disconnect();
    },
  };
}
