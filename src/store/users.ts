import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, NewUserRow, UserRow } from './schema.js';

export interface UserWithKey {
  user: UserRow;
  keyLast4: string | null;
  keyExpiresAt: number | null;
}

export interface NewKey {
  keyHash: string;
  last4: string;
  /** When the key stops working; absent or null: never. */
  expiresAt?: number | null;
}

const newKeyId = (): string => `key_${randomBytes(12).toString('base64url')}`;

export function createUserQueries(db: Kysely<Database>) {
  return {
    async insertWithKey(user: NewUserRow, key: NewKey | null): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('users').values(user).execute();
        if (key) {
          await trx
            .insertInto('api_keys')
            .values({
              id: newKeyId(),
              user_id: user.id,
              key_hash: key.keyHash,
              last4: key.last4,
              created_at: user.created_at,
              revoked_at: null,
              expires_at: key.expiresAt ?? null,
            })
            .execute();
        }
      });
    },

    /** Inserts the row unless it exists; processes starting together may all call it at once. */
    async ensure(user: NewUserRow): Promise<void> {
      await db
        .insertInto('users')
        .values(user)
        .onConflict((conflict) => conflict.column('id').doNothing())
        .execute();
    },

    async findById(id: string): Promise<UserRow | undefined> {
      return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    },

    /** The user owning a key that is not revoked, and when that key expires (checked by the caller). */
    async findByKeyHash(
      keyHash: string,
    ): Promise<{ user: UserRow; keyExpiresAt: number | null } | undefined> {
      const row = await db
        .selectFrom('api_keys')
        .innerJoin('users', 'users.id', 'api_keys.user_id')
        .selectAll('users')
        .select('api_keys.expires_at as key_expires_at')
        .where('api_keys.key_hash', '=', keyHash)
        .where('api_keys.revoked_at', 'is', null)
        .executeTakeFirst();
      if (!row) return undefined;
      const { key_expires_at, ...user } = row;
      return { user, keyExpiresAt: key_expires_at ?? null };
    },

    async list(options: { createdBy?: string; userId?: string } = {}): Promise<UserWithKey[]> {
      let query = db
        .selectFrom('users')
        .leftJoin('api_keys', (join) =>
          join.onRef('api_keys.user_id', '=', 'users.id').on('api_keys.revoked_at', 'is', null),
        )
        .selectAll('users')
        .select(['api_keys.last4 as key_last4', 'api_keys.expires_at as key_expires_at'])
        .orderBy('users.created_at')
        .orderBy('users.id');
      if (options.createdBy !== undefined) query = query.where('users.created_by', '=', options.createdBy);
      if (options.userId !== undefined) query = query.where('users.id', '=', options.userId);
      const rows = await query.execute();
      return rows.map(({ key_last4, key_expires_at, ...user }) => ({
        user,
        keyLast4: key_last4 ?? null,
        keyExpiresAt: key_expires_at ?? null,
      }));
    },

    /** Revokes every active key of the user and adds the new one, atomically. */
    async replaceKey(userId: string, key: NewKey, now: number): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('api_keys')
          .set({ revoked_at: now })
          .where('user_id', '=', userId)
          .where('revoked_at', 'is', null)
          .execute();
        await trx
          .insertInto('api_keys')
          .values({
            id: newKeyId(),
            user_id: userId,
            key_hash: key.keyHash,
            last4: key.last4,
            created_at: now,
            revoked_at: null,
            expires_at: key.expiresAt ?? null,
          })
          .execute();
      });
    },

    /** Hashes of the user's keys that are neither revoked nor expired at `now`. */
    async activeKeyHashes(userId: string, now: number): Promise<string[]> {
      const rows = await db
        .selectFrom('api_keys')
        .select('key_hash')
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
        .execute();
      return rows.map((r) => r.key_hash);
    },

    /** Sets (or, with null, removes) the expiry of the user's current key. */
    async setKeyExpiry(userId: string, expiresAt: number | null): Promise<void> {
      await db
        .updateTable('api_keys')
        .set({ expires_at: expiresAt })
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .execute();
    },

    async update(
      userId: string,
      changes: Partial<
        Pick<UserRow, 'username' | 'is_plus' | 'is_admin' | 'is_client' | 'disabled' | 'limits'>
      >,
    ): Promise<boolean> {
      // Nothing to set is not an error (a PATCH may change only the key's expiry, or nothing).
      if (Object.keys(changes).length === 0) return (await this.findById(userId)) !== undefined;
      const result = await db.updateTable('users').set(changes).where('id', '=', userId).executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async remove(userId: string): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        await trx.deleteFrom('api_keys').where('user_id', '=', userId).execute();
        const result = await trx.deleteFrom('users').where('id', '=', userId).executeTakeFirst();
        return Number(result.numDeletedRows) > 0;
      });
    },
  };
}

export type UserQueries = ReturnType<typeof createUserQueries>;
