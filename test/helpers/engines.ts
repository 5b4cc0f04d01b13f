/**
 * Runs a suite once per storage engine: SQLite in a temp dir, and PostgreSQL in a fresh database
 * on the test run's shared server. PostgreSQL suites are skipped loudly (or fail under CI=true)
 * when the server is missing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, inject } from 'vitest';
import { openStore, type Engine, type Store } from '../../src/store/index.js';
import { createTestDatabase } from './postgres.js';

export const ENGINES: readonly Engine[] = ['sqlite', 'postgres'];

export interface TestStorage {
  /** DATABASE_URL to give the server ('' for SQLite) and its data dir. */
  databaseUrl: string;
  dataDir: string;
  open(): Promise<Store>;
  cleanup(): Promise<void>;
}

export async function createTestStorage(engine: Engine): Promise<TestStorage> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'cas-data-'));
  let databaseUrl = '';
  let drop = async (): Promise<void> => undefined;
  if (engine === 'postgres') {
    const serverUrl = inject('pgUrl');
    if (!serverUrl) throw new Error('PostgreSQL is not available');
    const database = await createTestDatabase(serverUrl);
    databaseUrl = database.url;
    drop = database.drop;
  }
  return {
    databaseUrl,
    dataDir,
    open: () => openStore({ databaseUrl: databaseUrl || undefined, dataDir }),
    async cleanup() {
      await drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function postgresAvailable(): boolean {
  return inject('pgUrl') !== '';
}

/** `describe` once per engine; the callback gets the engine name. */
export function describeEachEngine(name: string, body: (engine: Engine) => void): void {
  for (const engine of ENGINES) {
    if (engine === 'postgres' && !postgresAvailable()) {
      console.warn(`[tests] SKIPPED on PostgreSQL (not installed): ${name}`);
      describe.skip(`${name} [${engine}]`, () => body(engine));
      continue;
    }
    describe(`${name} [${engine}]`, () => body(engine));
  }
}
