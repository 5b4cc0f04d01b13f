/**
 * Copies every table from one store to another (SQLite → PostgreSQL when moving to several
 * processes; any direction works), in one transaction on the target, then counts both sides.
 * Both stores are already migrated to the same schema by openStore. Browser sessions are not
 * copied: several processes keep them in Redis, so people sign in again after the move.
 */
import type { Kysely } from 'kysely';
import { ADMIN_USER_ID } from '../users/principal.js';
import type { Store } from './index.js';

/** Parents before children (api_keys → users, turns → conversations), with a stable order for paging. */
export const COPY_TABLES = [
  { table: 'users', orderBy: ['id'] },
  { table: 'api_keys', orderBy: ['id'] },
  { table: 'accounts', orderBy: ['name'] },
  { table: 'conversations', orderBy: ['id'] },
  { table: 'turns', orderBy: ['id'] },
  { table: 'usage_daily', orderBy: ['day', 'user_id', 'account_name'] },
] as const;

export type CopiedTable = (typeof COPY_TABLES)[number]['table'];

export interface TableCopyReport {
  table: CopiedTable;
  source: number;
  target: number;
}

export class CopyRefusedError extends Error {
  override name = 'CopyRefusedError';
}

export interface CopyDatabaseOptions {
  from: Store;
  to: Store;
  /** Empty a non-empty target first (otherwise the copy is refused). */
  force?: boolean;
  /** Rows per INSERT (default 500: well under both engines' bound-parameter limits). */
  batchSize?: number;
  onTable?: (report: TableCopyReport) => void;
}

// The copy is schema-agnostic (every column of every row), so it works on loosely typed tables.
type LooseDb = Kysely<Record<string, Record<string, unknown>>>;
const loose = (store: Store): LooseDb => store.db as unknown as LooseDb;

async function countRows(db: LooseDb, table: string): Promise<number> {
  const row = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

export async function countTables(store: Store): Promise<Map<CopiedTable, number>> {
  const counts = new Map<CopiedTable, number>();
  for (const { table } of COPY_TABLES) counts.set(table, await countRows(loose(store), table));
  return counts;
}

/** Copies every row; returns the source and target count per table (equal on success). */
export async function copyDatabase(options: CopyDatabaseOptions): Promise<TableCopyReport[]> {
  const { from, to } = options;
  const batchSize = options.batchSize ?? 500;
  if (from.location === to.location)
    throw new CopyRefusedError('The source and the target are the same database');
  // The built-in admin row (written by any server start) does not make a target "in use".
  const builtIn = (await loose(to).selectFrom('users').select('id').where('id', '=', ADMIN_USER_ID).execute())
    .length;
  const existing = [...(await countTables(to))]
    .map(([table, n]): [CopiedTable, number] => [table, table === 'users' ? n - builtIn : n])
    .filter(([, n]) => n > 0);
  if (existing.length > 0 && !options.force) {
    const listed = existing.map(([table, n]) => `${table}: ${n}`).join(', ');
    throw new CopyRefusedError(
      `The target database is not empty (${listed}); use --force to replace its data`,
    );
  }
  const source = loose(from);
  await loose(to)
    .transaction()
    .execute(async (trx) => {
      for (const { table } of [...COPY_TABLES].reverse()) await trx.deleteFrom(table).execute();
      for (const { table, orderBy } of COPY_TABLES) {
        for (let offset = 0; ; offset += batchSize) {
          let query = source.selectFrom(table).selectAll();
          for (const column of orderBy) query = query.orderBy(column);
          const rows = await query.limit(batchSize).offset(offset).execute();
          if (rows.length > 0) await trx.insertInto(table).values(rows).execute();
          if (rows.length < batchSize) break;
        }
      }
    });
  const [sourceCounts, targetCounts] = [await countTables(from), await countTables(to)];
  return COPY_TABLES.map(({ table }) => {
    const report = { table, source: sourceCounts.get(table) ?? 0, target: targetCounts.get(table) ?? 0 };
    options.onTable?.(report);
    return report;
  });
}
