import { sql, type Kysely } from 'kysely';
import type { Database, UsageDailyRow } from './schema.js';

export interface UsageDelta {
  day: string;
  user_id: string;
  account_name: string;
  requests: number;
  failures: number;
  prompt_chars: number;
  reply_chars: number;
  prompt_tokens: number;
  completion_tokens: number;
}

const DAY_MS = 86_400_000;
/** The day of the last call: every turn asks (quota and usage), and it changes once a day. */
let lastDay = { from: 0, to: 0, day: '' };

export function utcDay(epochMs: number): string {
  if (epochMs >= lastDay.from && epochMs < lastDay.to) return lastDay.day;
  const day = new Date(epochMs).toISOString().slice(0, 10);
  const from = Math.floor(epochMs / DAY_MS) * DAY_MS;
  lastDay = { from, to: from + DAY_MS, day };
  return day;
}

export function createUsageQueries(db: Kysely<Database>) {
  return {
    /** Adds to the day's counters, one upsert per row (both engines support ON CONFLICT). */
    async add(deltas: UsageDelta[]): Promise<void> {
      for (const d of deltas) {
        await db
          .insertInto('usage_daily')
          .values(d)
          .onConflict((oc) =>
            oc.columns(['day', 'user_id', 'account_name']).doUpdateSet({
              requests: sql`usage_daily.requests + ${d.requests}`,
              failures: sql`usage_daily.failures + ${d.failures}`,
              prompt_chars: sql`usage_daily.prompt_chars + ${d.prompt_chars}`,
              reply_chars: sql`usage_daily.reply_chars + ${d.reply_chars}`,
              prompt_tokens: sql`usage_daily.prompt_tokens + ${d.prompt_tokens}`,
              completion_tokens: sql`usage_daily.completion_tokens + ${d.completion_tokens}`,
            }),
          )
          .execute();
      }
    },

    async list(filter: {
      from?: string;
      to?: string;
      userId?: string;
      accountName?: string;
    }): Promise<UsageDailyRow[]> {
      let query = db.selectFrom('usage_daily').selectAll();
      if (filter.from) query = query.where('day', '>=', filter.from);
      if (filter.to) query = query.where('day', '<=', filter.to);
      if (filter.userId !== undefined) query = query.where('user_id', '=', filter.userId);
      if (filter.accountName !== undefined) query = query.where('account_name', '=', filter.accountName);
      return query.orderBy('day').orderBy('user_id').orderBy('account_name').execute();
    },

    /** Requests a user made on a day, over all accounts (for the daily quota). */
    async requestsOn(userId: string, day: string): Promise<number> {
      const row = await db
        .selectFrom('usage_daily')
        .select((eb) => eb.fn.sum<number>('requests').as('n'))
        .where('user_id', '=', userId)
        .where('day', '=', day)
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    },
  };
}

export type UsageQueries = ReturnType<typeof createUsageQueries>;
