import { describe, expect, it } from 'vitest';
import { createMemoryThrottle } from './throttle.js';

describe('memory attempt throttle', () => {
  const setup = (maxKeys?: number) => {
    let now = 1_000_000;
    const throttle = createMemoryThrottle({ limit: 3, windowMs: 60_000, clock: () => now, maxKeys });
    return { throttle, advance: (ms: number) => (now += ms) };
  };

  it('allows up to the limit in a window, then says how long to wait', async () => {
    const { throttle, advance } = setup();
    for (let i = 0; i < 3; i++) {
      expect(await throttle.retryAfter('k')).toBe(0);
      await throttle.record('k');
      advance(10_000);
    }
    // Attempts at 0 s, 10 s, 20 s; now 30 s: the first frees its slot at 60 s.
    expect(await throttle.retryAfter('k')).toBe(30);
    expect(await throttle.retryAfter('other')).toBe(0);
    advance(30_000);
    expect(await throttle.retryAfter('k')).toBe(0);
  });

  it('slides: old attempts expire one by one', async () => {
    const { throttle, advance } = setup();
    await throttle.record('k');
    advance(50_000);
    await throttle.record('k');
    await throttle.record('k');
    expect(await throttle.retryAfter('k')).toBe(10);
    advance(10_000);
    expect(await throttle.retryAfter('k')).toBe(0);
    await throttle.record('k');
    expect(await throttle.retryAfter('k')).toBe(50);
  });

  it('keeps memory bounded by dropping the oldest keys', async () => {
    const { throttle } = setup(2);
    for (const key of ['a', 'b', 'c']) for (let i = 0; i < 3; i++) await throttle.record(key);
    expect(await throttle.retryAfter('a')).toBe(0);
    expect(await throttle.retryAfter('b')).toBeGreaterThan(0);
    expect(await throttle.retryAfter('c')).toBeGreaterThan(0);
  });
});
