import type { Kysely } from 'kysely';
import type { AccountRow, Database } from './schema.js';

export interface AccountUpsert {
  name: string;
  kind: string;
  is_plus: number;
  source: 'config' | 'runtime';
  settings: string;
}

export function createAccountQueries(db: Kysely<Database>) {
  return {
    async list(): Promise<AccountRow[]> {
      return db.selectFrom('accounts').selectAll().orderBy('created_at').orderBy('name').execute();
    },

    async get(name: string): Promise<AccountRow | undefined> {
      return db.selectFrom('accounts').selectAll().where('name', '=', name).executeTakeFirst();
    },

    /**
     * Makes the stored config-sourced accounts match settings.json: new ones are inserted,
     * changed ones updated (credentials and disabled state kept), vanished ones removed.
     */
    async syncFromConfig(accounts: AccountUpsert[], now: number): Promise<void> {
      await db.transaction().execute(async (trx) => {
        const names = accounts.map((a) => a.name);
        let stale = trx.deleteFrom('accounts').where('source', '=', 'config');
        if (names.length > 0) stale = stale.where('name', 'not in', names);
        await stale.execute();
        for (const account of accounts) {
          await trx
            .insertInto('accounts')
            .values({
              ...account,
              credentials: null,
              disabled: 0,
              disabled_reason: null,
              created_at: now,
              updated_at: now,
            })
            .onConflict((oc) =>
              oc.column('name').doUpdateSet({
                kind: account.kind,
                is_plus: account.is_plus,
                source: account.source,
                settings: account.settings,
                updated_at: now,
              }),
            )
            .execute();
        }
      });
    },

    async insert(account: AccountUpsert & { credentials: string | null }, now: number): Promise<void> {
      await db
        .insertInto('accounts')
        .values({ ...account, disabled: 0, disabled_reason: null, created_at: now, updated_at: now })
        .execute();
    },

    async remove(name: string): Promise<boolean> {
      const result = await db.deleteFrom('accounts').where('name', '=', name).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },

    async setDisabled(name: string, disabled: boolean, reason: string | null, now: number): Promise<void> {
      await db
        .updateTable('accounts')
        .set({ disabled: disabled ? 1 : 0, disabled_reason: disabled ? reason : null, updated_at: now })
        .where('name', '=', name)
        .execute();
    },

    async loadCredentials(name: string): Promise<string | undefined> {
      const row = await db
        .selectFrom('accounts')
        .select('credentials')
        .where('name', '=', name)
        .executeTakeFirst();
      return row?.credentials ?? undefined;
    },

    async saveCredentials(name: string, encrypted: string, now: number): Promise<void> {
      await db
        .updateTable('accounts')
        .set({ credentials: encrypted, updated_at: now })
        .where('name', '=', name)
        .execute();
    },
  };
}

export type AccountQueries = ReturnType<typeof createAccountQueries>;
