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
    | 'tool_calls'
  >
> & { status: TurnStatus };

export interface TurnQueryOptions {
  /** Instance id recorded as the owner of the turns this process inserts. */
  owner?: string;
}

const INTERRUPTED = {
  status: 'incomplete',
  error_code: 'interrupted',
  error_message: 'The server stopped before the reply finished',
} as const;

export function createTurnQueries(db: Kysely<Database>, options: TurnQueryOptions = {}) {
  return {
    /** Inserts a turn; its owner defaults to this process's instance id. */
    async insert(row: Omit<TurnsTable, 'owner'> & { owner?: string | null }): Promise<void> {
      await db
        .insertInto('turns')
        .values({ ...row, owner: row.owner ?? options.owner ?? null })
        .execute();
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

    /** Number of turns per conversation, for the given ids (absent ids have none). */
    async countByConversation(conversationIds: readonly string[]): Promise<Map<string, number>> {
      const counts = new Map<string, number>();
      if (conversationIds.length === 0) return counts;
      const rows = await db
        .selectFrom('turns')
        .select(['conversation_id', (eb) => eb.fn.countAll<number>().as('n')])
        .where('conversation_id', 'in', [...conversationIds])
        .groupBy('conversation_id')
        .execute();
      for (const row of rows) counts.set(row.conversation_id, Number(row.n));
      return counts;
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
        .set({ ...INTERRUPTED, completed_at: now })
        .where('status', '=', 'pending');
      if (olderThan !== undefined) query = query.where('created_at', '<', olderThan);
      const result = await query.executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    /** Distinct owners of pending turns (null: a turn recorded before owners existed). */
    async pendingOwners(): Promise<(string | null)[]> {
      const rows = await db
        .selectFrom('turns')
        .select('owner')
        .distinct()
        .where('status', '=', 'pending')
        .execute();
      return rows.map((row) => row.owner);
    },

    /** Marks the pending turns of these (dead) owners incomplete; null stands for unowned turns. */
    async markPendingIncompleteOf(owners: readonly (string | null)[], now: number): Promise<number> {
      const named = owners.filter((owner): owner is string => owner !== null);
      const unowned = owners.includes(null);
      if (named.length === 0 && !unowned) return 0;
      const result = await db
        .updateTable('turns')
        .set({ ...INTERRUPTED, completed_at: now })
        .where('status', '=', 'pending')
        .where((eb) =>
          eb.or([
            ...(named.length > 0 ? [eb('owner', 'in', named)] : []),
            ...(unowned ? [eb('owner', 'is', null)] : []),
          ]),
        )
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },
  };
}

export type TurnQueries = ReturnType<typeof createTurnQueries>;
