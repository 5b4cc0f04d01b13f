/** Everything a storage engine holds, as bytes/text, to grep for secrets that must not be there. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { TestStorage } from '../helpers/engines.js';

export async function storedBytes(storage: TestStorage): Promise<Buffer> {
  if (!storage.databaseUrl) {
    // The main file and its write-ahead log: a secret may sit in the WAL before a checkpoint.
    const files = existsSync(storage.dataDir) ? readdirSync(storage.dataDir) : [];
    return Buffer.concat(
      files.filter((f) => f.includes('.sqlite')).map((f) => readFileSync(path.join(storage.dataDir, f))),
    );
  }
  const client = new pg.Client({ connectionString: storage.databaseUrl });
  await client.connect();
  try {
    const tables = await client.query<{ table_name: string }>(
      "select table_name from information_schema.tables where table_schema = 'public'",
    );
    const parts: string[] = [];
    for (const { table_name } of tables.rows) {
      const rows = await client.query<{ row: string }>(
        `select row_to_json(t)::text as row from "${table_name.replace(/"/g, '""')}" t`,
      );
      parts.push(...rows.rows.map((r) => r.row));
    }
    return Buffer.from(parts.join('\n'));
  } finally {
    await client.end();
  }
}
