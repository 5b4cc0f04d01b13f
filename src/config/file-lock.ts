/**
 * A lock between processes on one machine: a file created exclusively next to the file it
 * guards. Used on first start, when replicas launched together must not each write their own
 * secrets into one settings.json.
 */
import { open, stat, unlink } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

export interface FileLockOptions {
  /** Give up after this long (default 10 s). */
  timeoutMs?: number;
  /** A lock file older than this was left by a process that died holding it (default 30 s). */
  staleMs?: number;
}

const RETRY_MS = 25;

async function acquire(lockPath: string, options: FileLockOptions): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  const staleMs = options.staleMs ?? 30_000;
  for (;;) {
    try {
      await (await open(lockPath, 'wx', 0o600)).close();
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const age = await stat(lockPath).then(
      (info) => Date.now() - info.mtimeMs,
      () => undefined,
    );
    if (age === undefined) continue; // released meanwhile: try again at once
    if (age > staleMs) {
      await unlink(lockPath).catch(() => undefined);
      continue;
    }
    if (Date.now() > deadline)
      throw Object.assign(new Error(`${lockPath} is held by another process`), { code: 'ELOCKED' });
    await sleep(RETRY_MS);
  }
}

/** Runs `work` while holding `<path>.lock`. */
export async function withFileLock<T>(
  path: string,
  work: () => Promise<T>,
  options: FileLockOptions = {},
): Promise<T> {
  const lockPath = `${path}.lock`;
  await acquire(lockPath, options);
  try {
    return await work();
  } finally {
    await unlink(lockPath).catch(() => undefined);
  }
}
