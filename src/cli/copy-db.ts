/**
 * `copy-db --from <sqlite file or dir | postgres://…> --to <postgres://… | sqlite file or dir>`:
 * moves every user, key, account, conversation, turn and usage row, then prints the counts of
 * both sides per table. Refuses a non-empty target unless --force.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { copyDatabase, CopyRefusedError } from '../store/copy.js';
import { openStore, type OpenStoreOptions, type Store } from '../store/index.js';
import { CliError } from './context.js';

const DEFAULT_SQLITE_FILE = 'chatgpt-api-server.sqlite';
const isPostgresUrl = (value: string): boolean => /^postgres(ql)?:\/\//.test(value);

/** Where a --from/--to value points: a PostgreSQL URL, a SQLite file, or a data dir holding one. */
export function storeLocation(value: string, { mustExist }: { mustExist: boolean }): OpenStoreOptions {
  if (isPostgresUrl(value)) return { databaseUrl: value, dataDir: '.' };
  const resolved = path.resolve(value);
  const isDir = existsSync(resolved) ? statSync(resolved).isDirectory() : !path.extname(resolved);
  const [dataDir, sqliteFile] = isDir
    ? [resolved, DEFAULT_SQLITE_FILE]
    : [path.dirname(resolved), path.basename(resolved)];
  if (mustExist && !existsSync(path.join(dataDir, sqliteFile)))
    throw new CliError(`No SQLite database at ${path.join(dataDir, sqliteFile)}`, 2);
  return { dataDir, sqliteFile };
}

export async function copyDb(options: { from: string; to: string; force: boolean }): Promise<void> {
  const source = storeLocation(options.from, { mustExist: true });
  const target = storeLocation(options.to, { mustExist: false });
  const stores: Store[] = [];
  try {
    const from = await openStore(source);
    stores.push(from);
    const to = await openStore(target);
    stores.push(to);
    console.log(`Copying ${from.location} → ${to.location}`);
    const reports = await copyDatabase({
      from,
      to,
      force: options.force,
      onTable: ({ table, source: n, target: m }) =>
        console.log(
          `  ${table.padEnd(14)} ${String(n).padStart(8)} → ${String(m).padStart(8)}${n === m ? '' : '  MISMATCH'}`,
        ),
    });
    const mismatched = reports.filter((r) => r.source !== r.target);
    if (mismatched.length > 0)
      throw new CliError(`Counts differ for ${mismatched.map((r) => r.table).join(', ')}`, 1);
    console.log('Done: every table has the same number of rows on both sides.');
  } catch (error) {
    if (error instanceof CopyRefusedError) throw new CliError(error.message, 3);
    throw error;
  } finally {
    for (const store of stores) await store.close();
  }
}
