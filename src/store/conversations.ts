import { sql, type Kysely } from 'kysely';
import type { ConversationRow, ConversationsTable, Database } from './schema.js';

export interface ConversationFilter {
  userId?: string;
  /** Only conversations of users created by this client. */
  createdBy?: string;
  accountName?: string;
  from?: number;
  to?: number;
  /** Conversations having at least one turn with this status. */
  status?: string;
  /** Text searched in titles, prompts and replies (case-insensitive). */
  text?: string;
  limit: number;
  offset: number;
}

/** What a finished turn may change on its conversation. */
export type ConversationChanges = Partial<
  Pick<
    ConversationRow,
    | 'title'
    | 'account_name'
    | 'account_kind'
    | 'upstream_conversation_id'
    | 'last_upstream_message_id'
    | 'model'
    | 'updated_at'
  >
>;

export function createConversationQueries(db: Kysely<Database>) {
  return {
    async insert(row: ConversationsTable): Promise<void> {
      await db.insertInto('conversations').values(row).execute();
    },

    async get(id: string): Promise<ConversationRow | undefined> {
      return db
        .selectFrom('conversations')
        .selectAll()
        .where('id', '=', id)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
    },

    async update(id: string, changes: ConversationChanges): Promise<void> {
      await db.updateTable('conversations').set(changes).where('id', '=', id).execute();
    },

    async softDelete(id: string, now: number): Promise<boolean> {
      const result = await db
        .updateTable('conversations')
        .set({ deleted_at: now })
        .where('id', '=', id)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async search(
      filter: ConversationFilter,
    ): Promise<{ rows: (ConversationRow & { username: string | null })[]; total: number }> {
      let query = db
        .selectFrom('conversations')
        .leftJoin('users', 'users.id', 'conversations.user_id')
        .where('conversations.deleted_at', 'is', null);
      if (filter.userId !== undefined) query = query.where('conversations.user_id', '=', filter.userId);
      if (filter.createdBy !== undefined) query = query.where('users.created_by', '=', filter.createdBy);
      if (filter.accountName !== undefined)
        query = query.where('conversations.account_name', '=', filter.accountName);
      if (filter.from !== undefined) query = query.where('conversations.updated_at', '>=', filter.from);
      if (filter.to !== undefined) query = query.where('conversations.updated_at', '<', filter.to);
      if (filter.status !== undefined) {
        const status = filter.status;
        query = query.where(({ exists, selectFrom }) =>
          exists(
            selectFrom('turns')
              .select('turns.id')
              .whereRef('turns.conversation_id', '=', 'conversations.id')
              .where('turns.status', '=', status),
          ),
        );
      }
      if (filter.text) {
        const pattern = `%${filter.text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
        query = query.where(({ or, exists, selectFrom, eb }) =>
          or([
            eb(sql`lower(coalesce(conversations.title, ''))`, 'like', sql`${pattern} escape '\\'`),
            exists(
              selectFrom('turns')
                .select('turns.id')
                .whereRef('turns.conversation_id', '=', 'conversations.id')
                .where((t) =>
                  t.or([
                    t(sql`lower(turns.prompt)`, 'like', sql`${pattern} escape '\\'`),
                    t(sql`lower(turns.reply)`, 'like', sql`${pattern} escape '\\'`),
                  ]),
                ),
            ),
          ]),
        );
      }
      const totalRow = await query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
      const rows = await query
        .selectAll('conversations')
        .select('users.username')
        .orderBy('conversations.updated_at', 'desc')
        .orderBy('conversations.id')
        .limit(filter.limit)
        .offset(filter.offset)
        .execute();
      return { rows, total: Number(totalRow?.n ?? 0) };
    },
  };
}

export type ConversationQueries = ReturnType<typeof createConversationQueries>;
