import type { Kysely } from 'kysely';

/**
 * turns_status is a prefix of turns_status_owner (002), which serves every query by status; the
 * spare index only cost a write on every turn insert.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('turns_status').ifExists().execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('turns_status').on('turns').column('status').execute();
}
