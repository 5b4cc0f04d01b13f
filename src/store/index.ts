import { connect, type ConnectOptions, type Engine } from './connect.js';
import { migrateToLatest } from './migrate.js';
import type { Database } from './schema.js';
import { createUserQueries, type UserQueries } from './users.js';
import { createAccountQueries, type AccountQueries } from './accounts.js';
import { createConversationQueries, type ConversationQueries } from './conversations.js';
import { createTurnQueries, type TurnQueries } from './turns.js';
import { createUsageQueries, type UsageQueries } from './usage.js';
import { createSessionQueries, type SessionQueries } from './sessions.js';
import type { Kysely } from 'kysely';
import { createTurnJournal, type JournalOp, type TurnJournal } from './journal.js';
import { kyselyJournalWriter, sqliteJournalWriter } from './journal-writers.js';
import { startBackgroundCheckpoints, type CheckpointMode } from './checkpointer.js';

export interface Store {
  db: Kysely<Database>;
  engine: Engine;
  location: string;
  users: UserQueries;
  accounts: AccountQueries;
  /** Reads and writes here first flush the journal, so they see this process's turn writes. */
  conversations: ConversationQueries;
  turns: TurnQueries;
  usage: UsageQueries;
  /** Browser sessions of a deployment without Redis. */
  sessions: SessionQueries;
  /** Turn writes, group-committed (see journal.ts). */
  journal: Pick<TurnJournal, 'running' | 'begin' | 'partial' | 'end' | 'flush'>;
  /** Cheap round trip, for readiness checks. */
  ping(): Promise<void>;
  /** Flushes the journal and disconnects. */
  close(): Promise<void>;
}

/** See journal.ts: how long a turn's start may wait to be written together with its end. */
export const TURN_START_DELAY_MS = 10;
/** See journal.ts: how long a turn's end may wait for other running turns' ends. */
export const TURN_END_DELAY_MS = 2;

export interface OpenStoreOptions extends ConnectOptions {
  /** This process's instance id, recorded as the owner of the turns it inserts. */
  instanceId?: string;
  /** A turn write that could not be stored (default: thrown away silently). */
  onWriteError?: (error: unknown, op: JournalOp) => void;
  /** SQLite only: where WAL checkpoints run (see checkpointer.ts; default inline). */
  checkpoints?: CheckpointMode;
  /** A background checkpoint that failed, or its worker gone. */
  onCheckpointError?: (error: Error) => void;
}

/** The same query module, each call made after the journal's queued writes are committed. */
function flushingFirst<T extends object>(queries: T, flush: () => Promise<void>): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(queries)) {
    wrapped[name] = async (...args: unknown[]) => {
      await flush();
      return (method as (...a: unknown[]) => unknown)(...args);
    };
  }
  return wrapped as T;
}

/** Connects, runs pending migrations, and returns the query modules. Nothing else writes SQL. */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const { db, engine, location, sqlite } = connect(options);
  try {
    await migrateToLatest(db as Kysely<unknown>);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  const checkpoints =
    sqlite && options.checkpoints === 'background'
      ? startBackgroundCheckpoints({ sqlite, file: location, onError: options.onCheckpointError })
      : undefined;
  const owner = { owner: options.instanceId };
  const journal = createTurnJournal({
    write: sqlite ? sqliteJournalWriter(sqlite) : kyselyJournalWriter(db),
    startDelayMs: TURN_START_DELAY_MS,
    owner: options.instanceId ?? null,
    endDelayMs: TURN_END_DELAY_MS,
    onError: options.onWriteError ?? (() => undefined),
  });
  const flush = () => journal.flush();
  const usage = createUsageQueries(db);
  return {
    db,
    engine,
    location,
    journal,
    users: createUserQueries(db),
    accounts: createAccountQueries(db),
    conversations: flushingFirst(createConversationQueries(db), flush),
    turns: flushingFirst(createTurnQueries(db, owner), flush),
    usage: {
      ...flushingFirst(usage, flush),
      // Read on every request under a quota: counting the queued turns beats a commit per read.
      async requestsOn(userId, day) {
        return (await usage.requestsOn(userId, day)) + journal.pendingRequests(userId, day);
      },
    },
    sessions: createSessionQueries(db),
    async ping() {
      await db.selectFrom('users').select('id').limit(1).execute();
    },
    async close() {
      await journal.flush();
      await checkpoints?.stop();
      await db.destroy();
    },
  };
}

export type { Engine } from './connect.js';
export type * from './schema.js';
export type { TurnStatus, TurnCompletion } from './turns.js';
export type { ConversationChanges, ConversationFilter } from './conversations.js';
export type { UsageDelta } from './usage.js';
export type { UserWithKey } from './users.js';
export { utcDay } from './usage.js';
export type { JournalOp, NewTurn, TurnBegin, TurnEnd } from './journal.js';
export { timeOrderedId } from './ids.js';
