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
