import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import * as initial from './migrations/001-initial.js';
import * as turnOwner from './migrations/002-turn-owner.js';
import * as dropTurnsStatus from './migrations/003-drop-turns-status.js';
import * as sessions from './migrations/004-sessions.js';
import * as turnToolCalls from './migrations/005-turn-tool-calls.js';
import * as keyExpiry from './migrations/006-key-expiry.js';
import * as sessionsUser from './migrations/007-sessions-user.js';
import * as pendingTurnsIndex from './migrations/008-pending-turns-index.js';

/** Migrations are compiled in (no directory scan), so the built server needs no extra files. */
const MIGRATIONS: Record<string, Migration> = {
  '001-initial': initial,
  '002-turn-owner': turnOwner,
  '003-drop-turns-status': dropTurnsStatus,
  '004-sessions': sessions,
  '005-turn-tool-calls': turnToolCalls,
  '006-key-expiry': keyExpiry,
  '007-sessions-user': sessionsUser,
  '008-pending-turns-index': pendingTurnsIndex,
};

const provider: MigrationProvider = {
  getMigrations: () => Promise.resolve(MIGRATIONS),
};

/**
 * Brings the schema up to date. Kysely's migrator holds a lock while it migrates (PostgreSQL:
 * a session advisory lock, waiting up to an hour; the migrations run in one transaction), so
 * several processes starting at once run each migration exactly once and the others wait
 * (proved by migrate.concurrent.test.ts).
 */
export async function migrateToLatest(db: Kysely<unknown>): Promise<string[]> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(
      `database migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
