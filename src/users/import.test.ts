import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine, createTestStorage, type TestStorage } from '../../test/helpers/engines.js';
import type { Store } from '../store/index.js';
import { importUsersJson } from './import.js';
import { createUserService, type UserService } from './service.js';

describeEachEngine('users.json import', (engine) => {
  let storage: TestStorage;
  let store: Store;
  let users: UserService;
  beforeAll(async () => {
    storage = await createTestStorage(engine);
    store = await storage.open();
    users = createUserService({ store, adminApiKey: 'admin-key-for-import-tests-0123456789' });
    await users.init();
  });
  afterAll(async () => {
    await store?.close();
    await storage?.cleanup();
  });

  it('keeps imported keys working, stored only as hashes', async () => {
    const report = await importUsersJson(users, {
      API_KEYS: {
        v1KeyAAAAAAAAAAAAAAAAAAAAAAAAAAAAA: { user_id: 'a', username: 'A', plus: true },
        headKeyBBBBBBBBBBBBBBBBBBBBBBBBBBB: {
          user_id: 'b',
          username: 'B',
          plus: 'false',
          is_admin: true,
          is_client: false,
          clients: ['self'],
        },
      },
    });
    expect(report).toEqual({ imported: ['a', 'b'], skipped: [] });
    expect(await users.authenticate('v1KeyAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).toMatchObject({
      userId: 'a',
      plus: true,
      admin: false,
    });
    expect(await users.authenticate('headKeyBBBBBBBBBBBBBBBBBBBBBBBBBBB')).toMatchObject({
      userId: 'b',
      plus: false,
      admin: true,
    });
    const rows = await store.db.selectFrom('api_keys').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain('v1KeyAAAA');
  });

  it('rejects a file of the wrong shape with the path of the problem', async () => {
    await expect(importUsersJson(users, { users: [] })).rejects.toThrow(/API_KEYS/);
  });
});
