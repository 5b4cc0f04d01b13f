import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import type pgModule from 'pg';
import { DEFAULT_SQLITE_CACHE_MB } from '../config/env.js';
import { lazyRequire } from '../lazy-require.js';
import type { Database } from './schema.js';

export type Engine = 'sqlite' | 'postgres';

export interface ConnectOptions {
  /** postgres://… selects PostgreSQL; otherwise SQLite in dataDir. */
  databaseUrl?: string;
  dataDir: string;
  /** SQLite file name inside dataDir (default chatgpt-api-server.sqlite). */
  sqliteFile?: string;
  poolSize?: number;
  /** SQLite's page cache in MB (default: SQLite's own 2 MB, not better-sqlite3's 16; see config/env.ts). */
  sqliteCacheMb?: number;
}

export interface Connection {
  db: Kysely<Database>;
  engine: Engine;
  /** The SQLite handle under `db` (SQLite only), for the journal's direct writes. */
  sqlite?: SQLite.Database;
  /** Where the data lives, for messages (never includes a password). */
  location: string;
}

const loadPg = lazyRequire<typeof pgModule>('pg', (pg) =>
  // BIGINT columns hold epoch milliseconds and counters, all well inside Number's safe range.
  pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value)),
);

export function connect(options: ConnectOptions): Connection {
  if (options.databaseUrl && /^postgres(ql)?:\/\//.test(options.databaseUrl)) {
    const pool = new (loadPg().Pool)({
      connectionString: options.databaseUrl,
      max: options.poolSize ?? 10,
    });
    // An idle client losing its server (restart) must not crash the process; the pool reconnects.
    pool.on('error', () => undefined);
    const url = new URL(options.databaseUrl);
    return {
      db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }),
      engine: 'postgres',
      location: `postgres://${url.hostname}:${url.port || 5432}${url.pathname}`,
    };
  }
  mkdirSync(options.dataDir, { recursive: true });
  const file = path.join(options.dataDir, options.sqliteFile ?? 'chatgpt-api-server.sqlite');
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma(`cache_size = ${-1024 * (options.sqliteCacheMb ?? DEFAULT_SQLITE_CACHE_MB)}`);
  cachePreparedStatements(sqlite);
  return {
    db: new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) }),
    engine: 'sqlite',
    sqlite,
    location: file,
  };
}

/**
 * Kysely's SQLite driver prepares every query anew; the same few statements run on every
 * request, so prepared statements are kept by their SQL text. Safe because better-sqlite3 runs
 * each statement to completion synchronously (nothing interleaves on one statement object).
 */
function cachePreparedStatements(sqlite: SQLite.Database, max = 500): void {
  const prepare = sqlite.prepare.bind(sqlite);
  const cache = new Map<string, SQLite.Statement>();
  sqlite.prepare = ((source: string) => {
    let statement = cache.get(source);
    if (!statement) {
      statement = prepare(source);
      if (cache.size >= max) cache.clear();
      cache.set(source, statement);
    }
    return statement;
  }) as typeof sqlite.prepare;
}
