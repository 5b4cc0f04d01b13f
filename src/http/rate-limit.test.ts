import { describe, expect, it } from 'vitest';
import type { Principal } from '../users/principal.js';
import { createMemoryRateLimitStore } from './rate-limit-memory.js';
import { createRateLimiter } from './rate-limit.js';

const user = (limits: Principal['limits']): Principal => ({
  userId: 'u1',
  username: 'u1',
  plus: false,
  admin: false,
  client: false,
  via: 'user_key',
  limits,
});

describe('memory rate-limit store', () => {
  it('counts hits in a fixed window and says when it resets', async () => {
    let now = 1000;
    const store = createMemoryRateLimitStore({ clock: () => now });
    expect(await store.hit('k', 60_000, 2)).toEqual({ allowed: true, remaining: 1, retryAfterMs: 0 });
    expect((await store.hit('k', 60_000, 2)).allowed).toBe(true);
    expect(await store.peek('k', 60_000, 2)).toMatchObject({ allowed: false, retryAfterMs: 60_000 });
    now += 10_000;
    expect(await store.hit('k', 60_000, 2)).toEqual({ allowed: false, remaining: 0, retryAfterMs: 50_000 });
    now += 50_000;
    expect((await store.hit('k', 60_000, 2)).allowed).toBe(true);
  });

  it('sweeps expired windows instead of growing without bound', async () => {
    let now = 0;
    const store = createMemoryRateLimitStore({ clock: () => now, maxKeys: 10 });
    for (let i = 0; i < 10; i += 1) await store.hit(`k${i}`, 1000, 5);
    now = 2000;
    await store.hit('fresh', 1000, 5);
    expect(store.size()).toBe(1);
  });
});

describe('rate limiter', () => {
  it('refuses a user over requests_per_minute with 429 and Retry-After, and leaves unlimited users alone', async () => {
    const reasons: string[] = [];
    const limiter = createRateLimiter({
      store: createMemoryRateLimitStore(),
      authFailuresPerMinute: 3,
      onLimited: (r) => reasons.push(r),
    });
    await limiter.enforceUserRate(user({ requests_per_minute: 1 }));
    await expect(limiter.enforceUserRate(user({ requests_per_minute: 1 }))).rejects.toMatchObject({
      status: 429,
      code: 'user_rate_limited',
      retryAfterSeconds: 60,
    });
    for (let i = 0; i < 5; i += 1) await limiter.enforceUserRate({ ...user({}), userId: 'free' });
    expect(reasons).toEqual(['user_rate']);
  });

  it('blocks an address once its failed authentications reach the limit', async () => {
    const limiter = createRateLimiter({ store: createMemoryRateLimitStore(), authFailuresPerMinute: 2 });
    await limiter.checkAuthBlocked('10.0.0.1');
    await limiter.recordAuthFailure('10.0.0.1');
    await limiter.checkAuthBlocked('10.0.0.1');
    await limiter.recordAuthFailure('10.0.0.1');
    await expect(limiter.checkAuthBlocked('10.0.0.1')).rejects.toMatchObject({
      status: 429,
      code: 'auth_throttled',
    });
    await limiter.checkAuthBlocked('10.0.0.2');
  });

  it('leaves a caller without a per-minute limit alone without a promise', () => {
    const limiter = createRateLimiter({ store: createMemoryRateLimitStore(), authFailuresPerMinute: 2 });
    expect(limiter.enforceUserRate(user({}))).toBeUndefined();
    expect(limiter.enforceUserRate(user({ requests_per_minute: 5 }))).toBeInstanceOf(Promise);
  });

  it('answers an address that is not blocked without a promise when the store knows at once', () => {
    const limiter = createRateLimiter({ store: createMemoryRateLimitStore(), authFailuresPerMinute: 2 });
    // Every request asks: no promise and no wait for the common answer.
    expect(limiter.checkAuthBlocked('10.0.0.3')).toBeUndefined();
  });
});
