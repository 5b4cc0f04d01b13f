/** The floor target (bench/floor-server.mjs) as a child process on a free loopback port. */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { freePort } from '../test/helpers/ports.js';
import { spawnService, waitForHttp, type ChildService } from './children.js';
import type { CleanupRegistry } from './cleanup.js';

export interface FloorProcess {
  service: ChildService;
  url: string;
  /** The one key it accepts. */
  key: string;
}

export async function startFloor(input: {
  repoRoot: string;
  workDir: string;
  cleanup: CleanupRegistry;
  sim: { openaiBaseUrl: string };
  simApiKey: string;
  /** µs of busy work per request before forwarding (floor-server.mjs's --work-us); none by default. */
  workMicros?: number;
  /** The storing floor: each turn stored in SQLite under workDir and logged (floor-store.mjs). */
  store?: boolean;
}): Promise<FloorProcess> {
  const port = await freePort();
  const key = `floor-${randomBytes(12).toString('hex')}`;
  // Named apart, so that both floors can run from one directory.
  const name = input.store ? 'floor-store' : 'floor';
  const service = spawnService({
    name,
    command: process.execPath,
    args: [
      join(input.repoRoot, 'bench', 'floor-server.mjs'),
      '--port',
      String(port),
      '--upstream',
      input.sim.openaiBaseUrl,
      '--upstream-key',
      input.simApiKey,
      '--key',
      key,
      ...(input.workMicros ? ['--work-us', String(input.workMicros)] : []),
      ...(input.store ? ['--store', join(input.workDir, 'floor-turns.db')] : []),
    ],
    cwd: input.repoRoot,
    env: { ...process.env, NODE_ENV: 'production' },
    logFile: join(input.workDir, `${name}.log`),
    cleanup: input.cleanup,
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp({ url, service, timeoutMs: 20_000 });
  return { service, url, key };
}
