/** The upstream simulator as a child process, run by plain node with tsx's loader (one pid). */
import { join } from 'node:path';
import { freePort } from '../test/helpers/ports.js';
import { spawnService, waitForHttp, type ChildService } from './children.js';
import type { CleanupRegistry } from './cleanup.js';

export interface SimProcess {
  service: ChildService;
  url: string;
  openaiBaseUrl: string;
  chatgptBaseUrl: string;
}

export interface SimInput {
  name: string;
  repoRoot: string;
  workDir: string;
  cleanup: CleanupRegistry;
  apiKey: string;
  /** ChatGPT access tokens registered as (free) accounts. */
  accessTokens?: string[];
  replyChunks: number;
  chunkDelayMs?: number;
}

export async function startSim(input: SimInput): Promise<SimProcess> {
  const port = await freePort();
  const loader = join(input.repoRoot, 'node_modules', 'tsx', 'dist', 'loader.mjs');
  const args = [
    '--import',
    loader,
    join(input.repoRoot, 'test', 'upstream-sim', 'main.ts'),
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--reply-chunks',
    String(input.replyChunks),
    '--api-key',
    input.apiKey,
  ];
  if (input.chunkDelayMs !== undefined) args.push('--chunk-delay', String(input.chunkDelayMs));
  for (const token of input.accessTokens ?? []) args.push('--account', token);
  const service = spawnService({
    name: input.name,
    command: process.execPath,
    args,
    cwd: input.repoRoot,
    logFile: join(input.workDir, `${input.name}.log`),
    cleanup: input.cleanup,
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp({ url: `${url}/v1/models`, service, timeoutMs: 20_000 });
  return { service, url, openaiBaseUrl: `${url}/v1`, chatgptBaseUrl: `${url}/backend-api` };
}
