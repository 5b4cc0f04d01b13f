import type { Kysely } from 'kysely';

/** A user's sessions, newest first: a sign-in ends the oldest beyond the per-user cap. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('sessions_user').on('sessions').columns(['user_id', 'created_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('sessions_user').execute();
}
