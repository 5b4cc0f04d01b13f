/** The operator's move from SQLite to PostgreSQL: `chatgpt-api-server copy-db`, as a real CLI run. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { createUserService } from '../../src/users/service.js';
import { runCli } from '../helpers/cli.js';
import { TEST_ADMIN_KEY } from '../helpers/config.js';
import { populateStore, type PopulatedCounts } from '../helpers/populate.js';
import { createTestDatabase } from '../helpers/postgres.js';

const pgUrl = inject('pgUrl');
if (!pgUrl) console.warn('[tests] SKIPPED (PostgreSQL not installed): copy-db SQLite → PostgreSQL');
const suite = pgUrl ? describe : describe.skip;

suite('copy-db SQLite → PostgreSQL', () => {
  let dir: string;
  let database: { url: string; drop(): Promise<void> };
  let populated: PopulatedCounts;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'cas-copydb-'));
    const sqlite = await openStore({ dataDir: path.join(dir, 'data') });
    populated = await populateStore(sqlite, { users: 12, conversationsPerUser: 4, turnsPerConversation: 6 });
    await sqlite.close();
    database = await createTestDatabase(pgUrl);
  });
  afterAll(async () => {
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('moves a populated database, printing matching counts per table', async () => {
    const result = await runCli(['copy-db', '--from', path.join(dir, 'data'), '--to', database.url], {
      cwd: dir,
      timeoutMs: 60_000,
    });
    expect(result.code, result.stderr + result.stdout).toBe(0);
    const counts = Object.fromEntries(
      [...result.stdout.matchAll(/^\s+(\w+)\s+(\d+) → +(\d+)$/gm)].map((m) => [
        m[1],
        [Number(m[2]), Number(m[3])],
      ]),
    );
    expect(counts).toEqual({
      users: [13, 13], // with the built-in admin row
      api_keys: [12, 12],
      accounts: [2, 2],
      conversations: [48, 48],
      turns: [populated.turns, populated.turns],
      usage_daily: [12, 12],
    });
    expect(result.stdout).toContain('every table has the same number of rows');
    expect(result.stdout).not.toContain('postgres@'); // locations are printed without credentials
    const postgres = await openStore({ databaseUrl: database.url, dataDir: dir });
    try {
      const users = createUserService({ store: postgres, adminApiKey: TEST_ADMIN_KEY });
      expect((await users.authenticate(populated.keys.get('user-7') as string))?.userId).toBe('user-7');
    } finally {
      await postgres.close();
    }
  });

  it('refuses to copy into a database that already holds data, unless --force', async () => {
    const refused = await runCli(['copy-db', '--from', path.join(dir, 'data'), '--to', database.url], {
      cwd: dir,
    });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/not empty.*--force/);
    const forced = await runCli(
      ['copy-db', '--from', path.join(dir, 'data'), '--to', database.url, '--force'],
      {
        cwd: dir,
        timeoutMs: 60_000,
      },
    );
    expect(forced.code, forced.stderr).toBe(0);
  });

  it('refuses a --from that holds no SQLite database', async () => {
    const missing = await runCli(
      ['copy-db', '--from', path.join(dir, 'nothing-here'), '--to', database.url],
      {
        cwd: dir,
      },
    );
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('No SQLite database at');
  });
});
