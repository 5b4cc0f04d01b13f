import { sql, type Kysely } from 'kysely';

/**
 * Only pending turns are ever looked up by status (the orphan sweep, the crash recovery): a
 * partial index holds just them. A turn written once with its outcome, as most are, no longer
 * adds an entry to an index over every turn ever kept.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('turns_pending_owner')
    .on('turns')
    .column('owner')
    .where(sql.ref('status'), '=', sql.lit('pending'))
    .execute();
  await db.schema.dropIndex('turns_status_owner').ifExists().execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('turns_status_owner').on('turns').columns(['status', 'owner']).execute();
  await db.schema.dropIndex('turns_pending_owner').ifExists().execute();
}
