import { describe, expect, it } from 'vitest';
import { createMemorySessionStore } from './session.js';

const data = (userId: string) => ({ userId, keyHash: 'h', createdAt: 0 });

describe('createMemorySessionStore', () => {
  it('returns a session until its TTL passes, then forgets it', async () => {
    let now = 1000;
    const store = createMemorySessionStore({ clock: () => now });
    await store.set('a', data('alice'), 500);
    await expect(store.get('a')).resolves.toEqual(data('alice'));
    now = 1499;
    await expect(store.get('a')).resolves.toBeDefined();
    now = 1500;
    await expect(store.get('a')).resolves.toBeUndefined();
  });

  it('deletes on demand', async () => {
    const store = createMemorySessionStore();
    await store.set('a', data('alice'), 60_000);
    await store.delete('a');
    await expect(store.get('a')).resolves.toBeUndefined();
  });

  it('stays within its size bound, dropping expired then oldest sessions', async () => {
    let now = 0;
    const store = createMemorySessionStore({ clock: () => now, maxEntries: 3 });
    await store.set('old', data('o'), 10);
    await store.set('b', data('b'), 1000);
    await store.set('c', data('c'), 1000);
    now = 20; // 'old' has expired: it goes first
    await store.set('d', data('d'), 1000);
    await expect(store.get('b')).resolves.toBeDefined();
    await store.set('e', data('e'), 1000); // full of live sessions: the oldest ('b') goes
    await expect(store.get('b')).resolves.toBeUndefined();
    for (const id of ['c', 'd', 'e']) await expect(store.get(id)).resolves.toBeDefined();
  });
});
