import { afterEach, expect, it } from 'vitest';
import { createTestStorage, describeEachEngine, type TestStorage } from '../../test/helpers/engines.js';
import type { Store } from './index.js';

const admin = {
  id: 'admin',
  username: 'admin',
  is_plus: 1,
  is_admin: 1,
  is_client: 0,
  created_by: null,
  created_at: 0,
  disabled: 0,
  limits: null,
};

describeEachEngine('users.ensure', (engine) => {
  let storage: TestStorage | undefined;
  const stores: Store[] = [];

  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
    await storage?.cleanup();
    storage = undefined;
  });

  it('creates the row once when processes starting together ensure it at the same time', async () => {
    storage = await createTestStorage(engine);
    await (await storage.open()).close(); // migrations first, as a first start does
    stores.push(await storage.open(), await storage.open(), await storage.open());
    await Promise.all(stores.map((store) => store.users.ensure(admin)));
    await Promise.all(stores.map((store) => store.users.ensure(admin)));
    expect((await stores[0]?.users.list())?.filter((entry) => entry.user.id === 'admin')).toHaveLength(1);
  });
});

describeEachEngine('users: key expiry', (engine) => {
  let storage: TestStorage | undefined;
  let store: Store | undefined;

  afterEach(async () => {
    await store?.close();
    await storage?.cleanup();
    store = undefined;
    storage = undefined;
  });

  const bob = { ...admin, id: 'bob', username: 'bob', is_plus: 0, is_admin: 0, created_at: 1000 };

  it('keeps the expiry with the key, reports it, and leaves an expired key out of the active ones', async () => {
    storage = await createTestStorage(engine);
    store = await storage.open();
    await store.users.insertWithKey(bob, { keyHash: 'h1', last4: 'aaaa', expiresAt: 5_000_000_000_000 });
    expect(await store.users.findByKeyHash('h1')).toMatchObject({
      user: { id: 'bob' },
      keyExpiresAt: 5_000_000_000_000,
    });
    expect(await store.users.list({ userId: 'bob' })).toEqual([
      { user: bob, keyLast4: 'aaaa', keyExpiresAt: 5_000_000_000_000 },
    ]);
    expect(await store.users.activeKeyHashes('bob', 4_999_999_999_999)).toEqual(['h1']);
    expect(await store.users.activeKeyHashes('bob', 5_000_000_000_000)).toEqual([]);

    await store.users.setKeyExpiry('bob', null);
    expect((await store.users.findByKeyHash('h1'))?.keyExpiresAt).toBeNull();
    expect(await store.users.activeKeyHashes('bob', 9_000_000_000_000)).toEqual(['h1']);

    // A rotated key has its own expiry; the revoked one is gone, expiry or not.
    await store.users.replaceKey('bob', { keyHash: 'h2', last4: 'bbbb', expiresAt: 2000 }, 1500);
    expect(await store.users.findByKeyHash('h1')).toBeUndefined();
    expect((await store.users.list({ userId: 'bob' }))[0]).toMatchObject({
      keyLast4: 'bbbb',
      keyExpiresAt: 2000,
    });
    await store.users.replaceKey('bob', { keyHash: 'h3', last4: 'cccc' }, 1600);
    expect((await store.users.findByKeyHash('h3'))?.keyExpiresAt).toBeNull();
  });
});
