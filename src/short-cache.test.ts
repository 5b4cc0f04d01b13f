import { describe, expect, it } from 'vitest';
import { createShortCache } from './short-cache.js';

describe('short cache', () => {
  it('serves an entry until its expiry, not at it', () => {
    const cache = createShortCache<string, number>(10);
    cache.set('a', 1, 100);
    expect(cache.get('a', 99)).toBe(1);
    expect(cache.get('a', 100)).toBeUndefined();
    expect(cache.get('b', 0)).toBeUndefined();
  });

  it('starts over when full, so it never holds more than its bound', () => {
    const cache = createShortCache<string, number>(2);
    cache.set('a', 1, 100);
    cache.set('b', 2, 100);
    cache.set('c', 3, 100); // full: emptied first
    expect([cache.get('a', 0), cache.get('b', 0), cache.get('c', 0)]).toEqual([undefined, undefined, 3]);
    cache.clear();
    expect(cache.get('c', 0)).toBeUndefined();
  });

  it('drops a value read across a clear (it may predate the change that cleared it)', () => {
    const cache = createShortCache<string, number>(10);
    const since = cache.version();
    cache.clear(); // a change was written while the value was being read
    cache.set('a', 1, 100, since);
    expect(cache.get('a', 0)).toBeUndefined();
    const after = cache.version();
    cache.set('a', 2, 100, after);
    expect(cache.get('a', 0)).toBe(2);
  });
});
