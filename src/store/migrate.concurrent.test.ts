import { sql, type Kysely } from 'kysely';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { createTestDatabase } from '../../test/helpers/postgres.js';
import { connect } from './connect.js';
import { openStore, type Store } from './index.js';
import { migrateToLatest } from './migrate.js';

/** Every migration, in order: a new one is added here too. */
const ALL_MIGRATIONS = [
  '001-initial',
  '002-turn-owner',
  '003-drop-turns-status',
  '004-sessions',
  '005-turn-tool-calls',
  '006-key-expiry',
  '007-sessions-user',
  '008-pending-turns-index',
];

const pgUrl = inject('pgUrl');
const suite = pgUrl ? describe : describe.skip;
if (!pgUrl) console.warn('[tests] SKIPPED on PostgreSQL (not installed): migrations from several processes');

suite('migrations from several processes starting at once [postgres]', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  const freshDatabase = async (): Promise<string> => {
    const database = await createTestDatabase(pgUrl);
    cleanups.push(database.drop);
    return database.url;
  };

  it('runs each migration exactly once while the other migrators wait', async () => {
    const url = await freshDatabase();
    const connections = [0, 1, 2].map(() => connect({ databaseUrl: url, dataDir: '/nonexistent' }));
    cleanups.push(async () => {
      for (const { db } of connections) await db.destroy();
    });
    const applied = await Promise.all(connections.map(({ db }) => migrateToLatest(db as Kysely<unknown>)));
    const runs = applied.filter((names) => names.length > 0);
    expect(runs).toEqual([ALL_MIGRATIONS]);
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from kysely_migration`.execute(
      connections[0]!.db,
    );
    expect(rows[0]?.n).toBe(ALL_MIGRATIONS.length);
  });

  it('opens three stores on one fresh database concurrently, all usable', async () => {
    const url = await freshDatabase();
    const stores: Store[] = await Promise.all(
      ['a', 'b', 'c'].map((instanceId) =>
        openStore({ databaseUrl: url, dataDir: '/nonexistent', instanceId }),
      ),
    );
    cleanups.push(async () => {
      for (const store of stores) await store.close();
    });
    for (const store of stores) await store.ping();
    const { rows } = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(
      stores[0]!.db,
    );
    expect(rows.map((r) => r.name)).toEqual(ALL_MIGRATIONS);
  });
});
