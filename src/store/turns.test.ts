import { sql } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createTestStorage, describeEachEngine, type TestStorage } from '../../test/helpers/engines.js';
import { conversationRow, turnRow, userRow } from '../../test/helpers/rows.js';
import type { Store } from './index.js';

describeEachEngine('turns looked up by status', (engine) => {
  let storage: TestStorage;
  let store: Store;

  beforeEach(async () => {
    storage = await createTestStorage(engine);
    store = await storage.open();
    await store.users.ensure(userRow({ id: 'u1', username: 'one' }));
    await store.db
      .insertInto('conversations')
      .values(conversationRow({ id: 'c1', user_id: 'u1' }))
      .execute();
    const turns = [
      { status: 'pending', owner: 'a' },
      { status: 'pending', owner: 'b' },
      { status: 'pending', owner: null },
      { status: 'complete', owner: 'a' },
      { status: 'error', owner: 'c' },
    ];
    await store.db
      .insertInto('turns')
      .values(
        turns.map((fields, seq) =>
          turnRow({ id: `t${seq}`, conversation_id: 'c1', user_id: 'u1', seq, ...fields }),
        ),
      )
      .execute();
  });
  afterEach(async () => {
    await store.close();
    await storage.cleanup();
  });

  it('indexes only the pending turns, by owner', async () => {
    const definition =
      engine === 'sqlite'
        ? await sql<{
            text: string;
          }>`select sql as text from sqlite_master where type = 'index' and tbl_name = 'turns'`.execute(
            store.db,
          )
        : await sql<{
            text: string;
          }>`select indexdef as text from pg_indexes where tablename = 'turns'`.execute(store.db);
    const byStatus = definition.rows.map((row) => row.text ?? '').filter((text) => /status/.test(text));
    expect(byStatus).toHaveLength(1);
    expect(byStatus[0]).toMatch(/turns_pending_owner/);
    expect(byStatus[0]).toMatch(/where\s+\(?"?status"?\)?\s*=\s*'pending'/i);
  });

  it("answers the sweep's queries from that index", async () => {
    const plan = await store.db.transaction().execute(async (trx) => {
      // PostgreSQL reads a five-row table whole unless told not to.
      if (engine === 'postgres') await sql`set local enable_seqscan = off`.execute(trx);
      const explained = trx
        .selectFrom('turns')
        .select('id')
        .where('status', '=', 'pending')
        .where('owner', '=', 'a')
        .compile();
      const prefix = engine === 'sqlite' ? 'explain query plan ' : 'explain ';
      const result = await trx.executeQuery({ ...explained, sql: prefix + explained.sql });
      return JSON.stringify(result.rows);
    });
    expect(plan).toMatch(/turns_pending_owner/);
  });

  it('finds and ends the pending turns of dead owners, and leaves finished ones alone', async () => {
    const sorted = (owners: (string | null)[]) =>
      [...owners].sort((x, y) => String(x).localeCompare(String(y)));
    expect(sorted(await store.turns.pendingOwners())).toEqual(['a', 'b', null]);
    expect(await store.turns.markPendingIncompleteOf(['a', null], 99)).toBe(2);
    expect(await store.turns.pendingOwners()).toEqual(['b']);
    const rows = await store.db.selectFrom('turns').select(['id', 'status']).orderBy('seq').execute();
    expect(rows.map((row) => row.status)).toEqual([
      'incomplete',
      'pending',
      'incomplete',
      'complete',
      'error',
    ]);
  });
});
