/**
 * The two ways a journal batch reaches the database. SQLite: better-sqlite3's own synchronous
 * transaction with statements prepared once, without building each statement through Kysely
 * (the hot path's biggest cost once writes were batched). PostgreSQL: the Kysely query modules
 * inside one Kysely transaction.
 */
import type SQLite from 'better-sqlite3';
import type { Kysely } from 'kysely';
import { createConversationQueries } from './conversations.js';
import type { JournalOp, JournalWriter } from './journal.js';
import type { ConversationsTable, Database, TurnsTable } from './schema.js';
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

/** Every column of a table, checked against its row type in both directions. */
function allColumns<Row>() {
  return <const C extends readonly (keyof Row & string)[]>(
    columns: C & ([Exclude<keyof Row, C[number]>] extends [never] ? unknown : 'a column is missing'),
  ): C => columns;
}

/** In the order `runInsertTurn` binds them (journal.test.ts checks every column's round trip). */
const TURN_COLUMNS = allColumns<TurnsTable>()([
  'id',
  'conversation_id',
  'seq',
  'user_id',
  'account_name',
  'model',
  'prompt',
  'reply',
  'status',
  'error_code',
  'error_message',
  'upstream_message_id',
  'parent_message_id',
  'prompt_tokens',
  'completion_tokens',
  'created_at',
  'first_byte_ms',
  'completed_at',
  'owner',
  'tool_calls',
]);

/** In the order `runInsertConversation` binds them. */
const CONVERSATION_COLUMNS = allColumns<ConversationsTable>()([
  'id',
  'user_id',
  'title',
  'origin',
  'account_name',
  'account_kind',
  'own_token_hash',
  'upstream_conversation_id',
  'last_upstream_message_id',
  'model',
  'created_at',
  'updated_at',
  'deleted_at',
]);

const quoted = (column: string) => `"${column}"`;

/**
 * Positional parameters, bound from the row's fields passed one by one (`runInsertTurn`,
 * `runInsertConversation`, in the columns' order): binding by name made better-sqlite3 look
 * every parameter up on the row object, twice the cost of an insert's binding.
 */
function insertSql(table: string, columns: readonly string[]): string {
  return `insert into "${table}" (${columns.map(quoted).join(', ')}) values (${columns.map(() => '?').join(', ')})`;
}

const runInsertTurn = (statement: SQLite.Statement, r: TurnsTable) =>
  statement.run(
    r.id,
    r.conversation_id,
    r.seq,
    r.user_id,
    r.account_name,
    r.model,
    r.prompt,
    r.reply,
    r.status,
    r.error_code,
    r.error_message,
    r.upstream_message_id,
    r.parent_message_id,
    r.prompt_tokens,
    r.completion_tokens,
    r.created_at,
    r.first_byte_ms,
    r.completed_at,
    r.owner,
    r.tool_calls,
  );

const runInsertConversation = (statement: SQLite.Statement, r: ConversationsTable) =>
  statement.run(
    r.id,
    r.user_id,
    r.title,
    r.origin,
    r.account_name,
    r.account_kind,
    r.own_token_hash,
    r.upstream_conversation_id,
    r.last_upstream_message_id,
    r.model,
    r.created_at,
    r.updated_at,
    r.deleted_at,
  );

function updateSql(table: string, columns: string[]): string {
  return `update "${table}" set ${columns.map((c) => `${quoted(c)} = ?`).join(', ')} where "id" = ?`;
}

const USAGE_UPSERT = `insert into "usage_daily" ("day", "user_id", "account_name", "requests", "failures",
  "prompt_chars", "reply_chars", "prompt_tokens", "completion_tokens")
  values (@day, @user_id, @account_name, @requests, @failures, @prompt_chars, @reply_chars, @prompt_tokens, @completion_tokens)
  on conflict ("day", "user_id", "account_name") do update set
  "requests" = usage_daily.requests + excluded.requests,
  "failures" = usage_daily.failures + excluded.failures,
  "prompt_chars" = usage_daily.prompt_chars + excluded.prompt_chars,
  "reply_chars" = usage_daily.reply_chars + excluded.reply_chars,
  "prompt_tokens" = usage_daily.prompt_tokens + excluded.prompt_tokens,
  "completion_tokens" = usage_daily.completion_tokens + excluded.completion_tokens`;

/**
 * The journal's statements, prepared once. Inserts carry whole rows; the two updates carry the
 * columns that changed (defined values only, as Kysely does), one statement per set of columns.
 */
function journalStatements(sqlite: SQLite.Database) {
  const insertTurn = sqlite.prepare(insertSql('turns', TURN_COLUMNS));
  const insertConversation = sqlite.prepare(insertSql('conversations', CONVERSATION_COLUMNS));
  const addUsage = sqlite.prepare(USAGE_UPSERT);
  const partialReply = sqlite.prepare(
    `update "turns" set "reply" = ? where "id" = ? and "status" = 'pending'`,
  );
  const updates = new Map<string, SQLite.Statement>();
  const update = (table: 'turns' | 'conversations', id: string, changes: object): void => {
    const columns: string[] = [];
    const values: unknown[] = [];
    for (const [column, value] of Object.entries(changes)) {
      if (value === undefined) continue;
      columns.push(column);
      values.push(value);
    }
    if (columns.length === 0) return;
    const key = `${table} ${columns.join(' ')}`;
    let statement = updates.get(key);
    if (!statement) updates.set(key, (statement = sqlite.prepare(updateSql(table, columns))));
    statement.run(...values, id);
  };
  return (op: JournalOp): void => {
    switch (op.kind) {
      case 'insertConversation':
        runInsertConversation(insertConversation, op.row);
        return;
      case 'insertTurn':
        runInsertTurn(insertTurn, op.row);
        return;
      case 'updateConversation':
        return update('conversations', op.id, op.changes);
      case 'finishTurn':
        return update('turns', op.id, op.completion);
      case 'partialReply':
        partialReply.run(op.reply, op.id);
        return;
      case 'addUsage':
        addUsage.run(op.delta);
        return;
    }
  };
}

/** Waits while a Kysely transaction holds the one connection: a batch must not join it. */
async function outsideTransactions(sqlite: SQLite.Database): Promise<void> {
  while (sqlite.inTransaction) await new Promise((resolve) => setTimeout(resolve, 1));
}

export function sqliteJournalWriter(sqlite: SQLite.Database): JournalWriter {
  const runOp = journalStatements(sqlite);
  const runBatch = sqlite.transaction((ops: JournalOp[]) => {
    for (const op of ops) runOp(op);
  });
  return async (ops) => {
    await outsideTransactions(sqlite);
    runBatch(ops);
  };
}
