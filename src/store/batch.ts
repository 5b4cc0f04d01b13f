/**
 * Write-behind batching: the turn writes of every request that arrive in the same event-loop
 * tick run in ONE transaction, so a busy server commits once per tick instead of several times
 * per request. Each caller still waits for its own commit, so nothing is acknowledged before
 * it is durable. If the batch fails, each write is retried alone, so one bad write cannot take
 * the others down with it.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.js';

export type WriteFn<Q> = (queries: Q) => Promise<void>;

interface Pending<Q> {
  run: WriteFn<Q>;
  resolve(): void;
  reject(error: unknown): void;
}

export interface WriteBatcher<Q> {
  write(run: WriteFn<Q>): Promise<void>;
}

export function createWriteBatcher<Q>(
  db: Kysely<Database>,
  queriesFor: (trx: Transaction<Database>) => Q,
): WriteBatcher<Q> {
  let queue: Pending<Q>[] = [];
  let scheduled = false;

  const runAll = (batch: Pending<Q>[]) =>
    db.transaction().execute(async (trx) => {
      const queries = queriesFor(trx);
      for (const op of batch) await op.run(queries);
    });

  async function flush(): Promise<void> {
    const batch = queue;
    queue = [];
    scheduled = false;
    try {
      await runAll(batch);
      for (const op of batch) op.resolve();
    } catch (error) {
      if (batch.length === 1) return batch[0]?.reject(error);
      for (const op of batch) {
        try {
          await runAll([op]);
          op.resolve();
        } catch (alone) {
          op.reject(alone);
        }
      }
    }
  }

  return {
    write(run) {
      return new Promise<void>((resolve, reject) => {
        queue.push({ run, resolve, reject });
        if (!scheduled) {
          scheduled = true;
          setImmediate(() => void flush());
        }
      });
    },
  };
}
