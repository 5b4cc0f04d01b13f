/**
 * The two ways a journal batch reaches the database. SQLite: better-sqlite3's own synchronous
 * transaction with cached prepared statements, without building each statement through Kysely
 * (the hot path's biggest cost once writes were batched). PostgreSQL: the Kysely query modules
 * inside one Kysely transaction.
 */
import type SQLite from 'better-sqlite3';
import type { Kysely } from 'kysely';
import { createConversationQueries } from './conversations.js';
import type { JournalOp, JournalWriter } from './journal.js';
import type { Database } from './schema.js';
import { createTurnQueries } from './turns.js';
import { createUsageQueries } from './usage.js';

export function kyselyJournalWriter(db: Kysely<Database>): JournalWriter {
  return (ops) =>
    db.transaction().execute(async (trx) => {
      const conversations = createConversationQueries(trx);
      const turns = createTurnQueries(trx);
      const usage = createUsageQueries(trx);
      for (const op of ops) {
        switch (op.kind) {
          case 'insertConversation':
            await conversations.insert(op.row);
            break;
          case 'insertTurn':
            await turns.insert(op.row);
            break;
          case 'updateConversation':
            await conversations.update(op.id, op.changes);
            break;
          case 'finishTurn':
            await turns.finish(op.id, op.completion);
            break;
          case 'partialReply':
            await turns.savePartialReply(op.id, op.reply);
            break;
          case 'addUsage':
            await usage.add([op.delta]);
            break;
        }
      }
    });
}

/** Defined columns only (as Kysely does): an absent value keeps the column's default. */
function definedEntries(row: object): [string, unknown][] {
  return Object.entries(row).filter(([, value]) => value !== undefined);
}

const quoted = (column: string) => `"${column}"`;

function insertSql(table: string, columns: string[]): string {
  return `insert into "${table}" (${columns.map(quoted).join(', ')}) values (${columns.map(() => '?').join(', ')})`;
}

function updateSql(table: string, columns: string[], where: string): string {
  return `update "${table}" set ${columns.map((c) => `${quoted(c)} = ?`).join(', ')} where ${where}`;
}

const USAGE_UPSERT = `insert into "usage_daily" ("day", "user_id", "account_name", "requests", "failures",
  "prompt_chars", "reply_chars", "prompt_tokens", "completion_tokens") values (?, ?, ?, ?, ?, ?, ?, ?, ?)
  on conflict ("day", "user_id", "account_name") do update set
  "requests" = usage_daily.requests + excluded.requests,
  "failures" = usage_daily.failures + excluded.failures,
  "prompt_chars" = usage_daily.prompt_chars + excluded.prompt_chars,
  "reply_chars" = usage_daily.reply_chars + excluded.reply_chars,
  "prompt_tokens" = usage_daily.prompt_tokens + excluded.prompt_tokens,
  "completion_tokens" = usage_daily.completion_tokens + excluded.completion_tokens`;

/** Statement text is rebuilt per op, but `sqlite.prepare` is cached by text (see connect.ts). */
function runSqliteOp(sqlite: SQLite.Database, op: JournalOp): void {
  switch (op.kind) {
    case 'insertConversation':
    case 'insertTurn': {
      const entries = definedEntries(op.row);
      const table = op.kind === 'insertTurn' ? 'turns' : 'conversations';
      sqlite
        .prepare(
          insertSql(
            table,
            entries.map(([c]) => c),
          ),
        )
        .run(...entries.map(([, v]) => v));
      return;
    }
    case 'updateConversation':
    case 'finishTurn': {
      const entries = definedEntries(op.kind === 'finishTurn' ? op.completion : op.changes);
      if (entries.length === 0) return;
      const table = op.kind === 'finishTurn' ? 'turns' : 'conversations';
      const values = entries.map(([, v]) => v);
      sqlite
        .prepare(
          updateSql(
            table,
            entries.map(([c]) => c),
            '"id" = ?',
          ),
        )
        .run(...values, op.id);
      return;
    }
    case 'partialReply':
      sqlite.prepare(updateSql('turns', ['reply'], `"id" = ? and "status" = 'pending'`)).run(op.reply, op.id);
      return;
    case 'addUsage': {
      const d = op.delta;
      sqlite
        .prepare(USAGE_UPSERT)
        .run(
          d.day,
          d.user_id,
          d.account_name,
          d.requests,
          d.failures,
          d.prompt_chars,
          d.reply_chars,
          d.prompt_tokens,
          d.completion_tokens,
        );
      return;
    }
  }
}

/** Waits while a Kysely transaction holds the one connection: a batch must not join it. */
async function outsideTransactions(sqlite: SQLite.Database): Promise<void> {
  while (sqlite.inTransaction) await new Promise((resolve) => setTimeout(resolve, 1));
}

export function sqliteJournalWriter(sqlite: SQLite.Database): JournalWriter {
  const runBatch = sqlite.transaction((ops: JournalOp[]) => {
    for (const op of ops) runSqliteOp(sqlite, op);
  });
  return async (ops) => {
    await outsideTransactions(sqlite);
    runBatch(ops);
  };
}
