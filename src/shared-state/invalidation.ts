/**
 * Messages between processes over Redis pub/sub. The pool announces here when a full account
 * frees a slot, so that waiters in other processes try again at once. The API-key cache
 * (users/service.ts) does not need it: it keeps a known key for 500 ms, so a revocation
 * reaches every process within that time.
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
  /** The Redis channel of a topic (for scripts that PUBLISH themselves). */
  channel(topic: string): string;
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
    channel: (topic) => channelPrefix + topic,
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
