import type { Kysely } from 'kysely';

/**
 * turns.owner: the instance id of the server process running the turn, so that with several
 * processes a pending turn is marked incomplete only when its own process is gone.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('turns').addColumn('owner', 'text').execute();
  await db.schema.createIndex('turns_status_owner').on('turns').columns(['status', 'owner']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('turns_status_owner').ifExists().execute();
  await db.schema.alterTable('turns').dropColumn('owner').execute();
}
