import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BACKSTOP_PAGES, startBackgroundCheckpoints, type BackgroundCheckpoints } from './checkpointer.js';
import { userRow } from '../../test/helpers/rows.js';
import { connect } from './connect.js';
import { openStore } from './index.js';

const PAGE = 4096;
const dirs: string[] = [];
const running: BackgroundCheckpoints[] = [];

afterEach(async () => {
  for (const checkpoints of running.splice(0)) await checkpoints.stop();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function scratch() {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'cas-ckpt-'));
  dirs.push(dataDir);
  const { sqlite, location } = connect({ dataDir });
  if (!sqlite) throw new Error('expected SQLite');
  sqlite.exec('create table t (id integer primary key, v text)');
  return { sqlite, file: location };
}

const until = async (condition: () => boolean, what: string): Promise<void> => {
  for (let i = 0; i < 150 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
  if (!condition()) throw new Error(`timed out waiting for ${what}`);
};

describe('background WAL checkpoints', () => {
  it('copies committed pages into the database file without the writer checkpointing', async () => {
    const { sqlite, file } = scratch();
    running.push(startBackgroundCheckpoints({ sqlite, file }));
    expect(sqlite.pragma('wal_autocheckpoint', { simple: true })).toBe(BACKSTOP_PAGES);
    const before = statSync(file).size;
    const insert = sqlite.prepare('insert into t (v) values (?)');
    // ~100 pages: far below the backstop, so only the worker can move them into the file.
    sqlite.transaction(() => {
      for (let i = 0; i < 200; i++) insert.run('x'.repeat(2000));
    })();
    await until(() => statSync(file).size >= before + 90 * PAGE, 'the database file to grow');
    sqlite.close();
  });

  it('keeps the WAL bounded while commits never stop (the backstop starts it over)', async () => {
    const { sqlite, file } = scratch();
    const backstopPages = 100;
    running.push(startBackgroundCheckpoints({ sqlite, file, backstopPages, intervalMs: 20 }));
    const insert = sqlite.prepare('insert into t (v) values (?)');
    let largest = 0;
    // One commit per turn of the event loop, as under load: the worker's passive checkpoints
    // alone would never see the WAL quiet, and it would grow with every commit.
    for (let i = 0; i < 6_000; i++) {
      insert.run('y'.repeat(1500));
      if (i % 50 === 0) {
        largest = Math.max(largest, statSync(`${file}-wal`).size);
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    largest = Math.max(largest, statSync(`${file}-wal`).size);
    // Without the backstop it passes 6,000 pages. With it, a backstop checkpoint that meets the
    // worker's (busy) leaves the reset to a later commit: under a loaded CPU that was up to ~9
    // backstops' worth here, so the bound leaves room and still tells bounded from unbounded.
    expect(largest).toBeLessThan(30 * backstopPages * (PAGE + 24));
    sqlite.close();
  });

  it('stops copying once stopped', async () => {
    const { sqlite, file } = scratch();
    const checkpoints = startBackgroundCheckpoints({ sqlite, file, intervalMs: 5 });
    await checkpoints.stop();
    const before = statSync(file).size;
    const insert = sqlite.prepare('insert into t (v) values (?)');
    sqlite.transaction(() => {
      for (let i = 0; i < 200; i++) insert.run('x'.repeat(2000));
    })();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(statSync(file).size).toBe(before);
    sqlite.close();
  });

  it('runs under a store opened with them, which closes cleanly and keeps its data', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'cas-ckpt-'));
    dirs.push(dataDir);
    const errors: Error[] = [];
    const store = await openStore({
      dataDir,
      checkpoints: 'background',
      onCheckpointError: (error) => errors.push(error),
    });
    await store.users.insertWithKey(userRow({ id: 'u1', username: 'one' }), {
      keyHash: 'h'.repeat(64),
      last4: 'abcd',
      expiresAt: null,
    });
    // ~100 pages through the store's own connection: only its worker can move them into the file.
    const before = statSync(store.location).size;
    await store.db.transaction().execute(async (trx) => {
      for (let i = 0; i < 200; i++)
        await trx
          .insertInto('users')
          .values(userRow({ id: `bulk-${i}`, username: 'x'.repeat(2000) }))
          .execute();
    });
    await until(() => statSync(store.location).size >= before + 90 * PAGE, 'the database file to grow');
    await store.close();
    expect(errors).toEqual([]);
    const reopened = await openStore({ dataDir });
    expect((await reopened.users.findById('u1'))?.username).toBe('one');
    await reopened.close();
  });
});
