import { connect, type ConnectOptions, type Engine } from './connect.js';
import { migrateToLatest } from './migrate.js';
import type { Database } from './schema.js';
import { createUserQueries, type UserQueries } from './users.js';
import { createAccountQueries, type AccountQueries } from './accounts.js';
import { createConversationQueries, type ConversationQueries } from './conversations.js';
import { createTurnQueries, type TurnQueries } from './turns.js';
import { createUsageQueries, type UsageQueries } from './usage.js';
import type { Kysely, Transaction } from 'kysely';
import { createWriteBatcher, type WriteFn } from './batch.js';

export interface Store {
  db: Kysely<Database>;
  engine: Engine;
  location: string;
  users: UserQueries;
  accounts: AccountQueries;
  conversations: ConversationQueries;
  turns: TurnQueries;
  usage: UsageQueries;
  /**
   * Runs turn writes batched with the other writes of the same tick in one transaction;
   * resolves once committed.
   */
  write(run: WriteFn<TurnWriteQueries>): Promise<void>;
  /** Cheap round trip, for readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The query modules available inside a batched write. */
export interface TurnWriteQueries {
  conversations: ConversationQueries;
  turns: TurnQueries;
  usage: UsageQueries;
}

export interface OpenStoreOptions extends ConnectOptions {
  /** This process's instance id, recorded as the owner of the turns it inserts. */
  instanceId?: string;
}

/** Connects, runs pending migrations, and returns the query modules. Nothing else writes SQL. */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const { db, engine, location } = connect(options);
  try {
    await migrateToLatest(db as Kysely<unknown>);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  const owner = { owner: options.instanceId };
  const batcher = createWriteBatcher(db, (trx: Transaction<Database>) => ({
    conversations: createConversationQueries(trx),
    turns: createTurnQueries(trx, owner),
    usage: createUsageQueries(trx),
  }));
  return {
    db,
    engine,
    location,
    write: (run) => batcher.write(run),
    users: createUserQueries(db),
    accounts: createAccountQueries(db),
    conversations: createConversationQueries(db),
    turns: createTurnQueries(db, owner),
    usage: createUsageQueries(db),
    async ping() {
      await db.selectFrom('users').select('id').limit(1).execute();
    },
    close: () => db.destroy(),
  };
}

export type { Engine } from './connect.js';
export type * from './schema.js';
export type { TurnStatus, TurnCompletion } from './turns.js';
export type { ConversationChanges, ConversationFilter } from './conversations.js';
export type { UsageDelta } from './usage.js';
export { utcDay } from './usage.js';
