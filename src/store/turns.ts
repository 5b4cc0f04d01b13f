import type { Kysely } from 'kysely';
import type { Database, TurnRow, TurnsTable } from './schema.js';

export type TurnStatus = 'pending' | 'complete' | 'incomplete' | 'cancelled' | 'error';

export type TurnCompletion = Partial<
  Pick<
    TurnRow,
    | 'reply'
    | 'error_code'
    | 'error_message'
    | 'upstream_message_id'
    | 'account_name'
    | 'model'
    | 'prompt_tokens'
    | 'completion_tokens'
    | 'first_byte_ms'
    | 'completed_at'
  >
> & { status: TurnStatus };

export function createTurnQueries(db: Kysely<Database>) {
  return {
    async insert(row: TurnsTable): Promise<void> {
      await db.insertInto('turns').values(row).execute();
    },

    async finish(id: string, completion: TurnCompletion): Promise<void> {
      await db.updateTable('turns').set(completion).where('id', '=', id).execute();
    },

    async savePartialReply(id: string, reply: string): Promise<void> {
      await db
        .updateTable('turns')
        .set({ reply })
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .execute();
    },

    async listForConversation(
      conversationId: string,
      options: { limit?: number; offset?: number } = {},
    ): Promise<TurnRow[]> {
      return db
        .selectFrom('turns')
        .selectAll()
        .where('conversation_id', '=', conversationId)
        .orderBy('seq')
        .limit(options.limit ?? 1000)
        .offset(options.offset ?? 0)
        .execute();
    },

    async nextSeq(conversationId: string): Promise<number> {
      const row = await db
        .selectFrom('turns')
        .select((eb) => eb.fn.max('seq').as('max'))
        .where('conversation_id', '=', conversationId)
        .executeTakeFirst();
      return row?.max === null || row?.max === undefined ? 0 : Number(row.max) + 1;
    },

    /**
     * After a crash: turns still 'pending' belong to a process that died mid-reply. They are
     * kept with what was saved of the reply and marked incomplete.
     */
    async markPendingIncomplete(now: number, olderThan?: number): Promise<number> {
      let query = db
        .updateTable('turns')
        .set({
          status: 'incomplete',
          error_code: 'interrupted',
          error_message: 'The server stopped before the reply finished',
          completed_at: now,
        })
        .where('status', '=', 'pending');
      if (olderThan !== undefined) query = query.where('created_at', '<', olderThan);
      const result = await query.executeTakeFirst();
      return Number(result.numUpdatedRows);
    },
  };
}

export type TurnQueries = ReturnType<typeof createTurnQueries>;
