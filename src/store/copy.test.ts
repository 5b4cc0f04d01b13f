import { afterEach, describe, expect, it } from 'vitest';
import { createTestStorage, postgresAvailable, type TestStorage } from '../../test/helpers/engines.js';
import { populateStore } from '../../test/helpers/populate.js';
import { createUserService } from '../users/service.js';
import { TEST_ADMIN_KEY } from '../../test/helpers/config.js';
import { copyDatabase, CopyRefusedError, countTables } from './copy.js';
import type { Store } from './index.js';

const suite = postgresAvailable() ? describe : describe.skip;
if (!postgresAvailable()) console.warn('[tests] SKIPPED on PostgreSQL (not installed): copyDatabase');

suite('copyDatabase SQLite → PostgreSQL', () => {
  const opened: Store[] = [];
  const storages: TestStorage[] = [];
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    for (const storage of storages.splice(0)) await storage.cleanup();
  });
  const open = async (engine: 'sqlite' | 'postgres'): Promise<Store> => {
    const storage = await createTestStorage(engine);
    storages.push(storage);
    const store = await storage.open();
    opened.push(store);
    return store;
  };

  it('moves every row (across several batches) with matching counts, and keys keep working', async () => {
    const from = await open('sqlite');
    const to = await open('postgres');
    const populated = await populateStore(from, {
      users: 7,
      conversationsPerUser: 3,
      turnsPerConversation: 5,
    });
    const reports = await copyDatabase({ from, to, batchSize: 16 });
    expect(reports).toEqual([
      { table: 'users', source: 8, target: 8 }, // with the built-in admin row
      { table: 'api_keys', source: 7, target: 7 },
      { table: 'accounts', source: 2, target: 2 },
      { table: 'conversations', source: 21, target: 21 },
      { table: 'turns', source: populated.turns, target: populated.turns },
      { table: 'usage_daily', source: 7, target: 7 },
    ]);
    const users = createUserService({ store: to, adminApiKey: TEST_ADMIN_KEY });
    const principal = await users.authenticate(populated.keys.get('user-3') as string);
    expect(principal?.userId).toBe('user-3');
    const turns = await to.turns.listForConversation('conv-2-1');
    expect(turns.map((t) => t.prompt)).toEqual(
      (await from.turns.listForConversation('conv-2-1')).map((t) => t.prompt),
    );
    expect((await to.usage.list({ userId: 'user-1' }))[0]?.reply_chars).toBe(2_000_000_000_000);
    expect((await to.accounts.get('acct-a'))?.credentials).toBe('enc:x');
  });

  it('refuses a non-empty target unless forced, and a forced copy replaces its rows', async () => {
    const from = await open('sqlite');
    const to = await open('postgres');
    await populateStore(from, { users: 2, conversationsPerUser: 1, turnsPerConversation: 1 });
    await populateStore(to, { users: 4, conversationsPerUser: 1, turnsPerConversation: 1 });
    await expect(copyDatabase({ from, to })).rejects.toThrow(CopyRefusedError);
    expect((await countTables(to)).get('users')).toBe(5);
    await copyDatabase({ from, to, force: true });
    expect(Object.fromEntries(await countTables(to))).toEqual(Object.fromEntries(await countTables(from)));
    expect((await countTables(to)).get('users')).toBe(3);
  });

  it('counts a target holding only the built-in admin user as empty', async () => {
    const from = await open('sqlite');
    const to = await open('postgres');
    await populateStore(from, { users: 1, conversationsPerUser: 1, turnsPerConversation: 1 });
    await createUserService({ store: to, adminApiKey: TEST_ADMIN_KEY }).init();
    const reports = await copyDatabase({ from, to });
    expect(reports.every((r) => r.source === r.target && r.source > 0)).toBe(true);
  });
});
