import type { Kysely } from 'kysely';
import type { Database, SessionRow } from './schema.js';

/** Browser sessions when there is no Redis (see migrations/004-sessions.ts). */
export function createSessionQueries(db: Kysely<Database>) {
  return {
    /** The session, unless it has expired by `now`. */
    async get(id: string, now: number): Promise<SessionRow | undefined> {
      return db
        .selectFrom('sessions')
        .selectAll()
        .where('id', '=', id)
        .where('expires_at', '>', now)
        .executeTakeFirst();
    },

    async put(row: SessionRow): Promise<void> {
      await db
        .insertInto('sessions')
        .values(row)
        .onConflict((oc) =>
          oc.column('id').doUpdateSet({
            user_id: row.user_id,
            key_hash: row.key_hash,
            created_at: row.created_at,
            expires_at: row.expires_at,
          }),
        )
        .execute();
    },

    async remove(id: string): Promise<void> {
      await db.deleteFrom('sessions').where('id', '=', id).execute();
    },

    /** Deletes the user's sessions beyond the newest `keep`. */
    async removeOldest(userId: string, keep: number): Promise<void> {
      const newest = db
        .selectFrom('sessions')
        .select('id')
        .where('user_id', '=', userId)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(keep);
      await db.deleteFrom('sessions').where('user_id', '=', userId).where('id', 'not in', newest).execute();
    },

    /** Deletes the sessions expired by `now`; returns how many. */
    async removeExpired(now: number): Promise<number> {
      const result = await db.deleteFrom('sessions').where('expires_at', '<=', now).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

export type SessionQueries = ReturnType<typeof createSessionQueries>;
