/**
 * SQLite WAL checkpoints on a worker thread (opt-in: `SQLITE_CHECKPOINTS=background`).
 *
 * SQLite's own checkpoint runs inside the commit that takes the WAL past 1,000 pages: that
 * commit copies the pages into the database file and waits for two fsyncs, on the event loop.
 * At one connection every ~100th turn waited 3–5 ms for it, which was the p99. Here a worker
 * copies them every 250 ms with PASSIVE checkpoints, which never block the writer.
 *
 * A passive checkpoint cannot start the WAL over while commits keep coming (some always arrive
 * during it), so SQLite's own checkpoint stays on as the backstop, at BACKSTOP_PAGES: it then
 * finds almost every page copied already, and the next commit starts the WAL over. If the worker
 * dies, the backstop alone still bounds the WAL.
 *
 * Off by default: at one connection it halved the p99 (4.4 → 2.3 ms) and took ~30 µs off the
 * mean, but the worker thread costs ~9 MB resident and, under load, a few % more CPU for its
 * own fsyncs (docs/performance-rounds.md, the ninth round).
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type SQLite from 'better-sqlite3';

export type CheckpointMode = 'inline' | 'background';

/** SQLite's own checkpoint, while a worker does the copying (SQLite's default is 1,000). */
export const BACKSTOP_PAGES = 4_000;
const DEFAULT_INTERVAL_MS = 250;
const STOP_TIMEOUT_MS = 2_000;

// Plain CommonJS, evaluated by the worker: no TypeScript loader is needed in it (tests, tsx).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 1000');
let failures = 0;
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
    failures = 0;
  } catch (error) {
    // One report per run of failures, not one every few milliseconds.
    if (failures++ === 0) parentPort.postMessage({ error: String((error && error.message) || error) });
  }
}, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export interface BackgroundCheckpoints {
  /** Stops the worker (its connection closed) before the caller closes its own. */
  stop(): Promise<void>;
}

export function startBackgroundCheckpoints(options: {
  sqlite: SQLite.Database;
  file: string;
  intervalMs?: number;
  backstopPages?: number;
  /** A failed checkpoint or a dead worker: the backstop keeps the WAL bounded meanwhile. */
  onError?: (error: Error) => void;
}): BackgroundCheckpoints {
  options.sqlite.pragma(`wal_autocheckpoint = ${options.backstopPages ?? BACKSTOP_PAGES}`);
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      file: options.file,
      module: createRequire(import.meta.url).resolve('better-sqlite3'),
      intervalMs: options.intervalMs ?? DEFAULT_INTERVAL_MS,
    },
    // Its heap holds a timer and a connection; a leak there must not grow without bound.
    resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 2 },
  });
  worker.unref();
  let stopping = false;
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.on('message', (message: { error?: string }) => {
    if (message.error) options.onError?.(new Error(`background checkpoint failed: ${message.error}`));
  });
  worker.on('error', (error) => options.onError?.(error));
  void exited.then(() => {
    if (!stopping)
      options.onError?.(new Error('the checkpoint worker stopped; the backstop checkpoints inline'));
  });
  return {
    async stop() {
      if (stopping) return exited;
      stopping = true;
      worker.postMessage('stop');
      const timeout = setTimeout(() => void worker.terminate(), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timeout);
    },
  };
}
