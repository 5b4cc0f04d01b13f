/**
 * Our server, built for production (`npm run build`: one bundle, dist/main.js) and started as
 * `node dist/main.js serve` on a temp settings.json and a temp SQLite data dir, logging at info
 * level to a file.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../test/helpers/ports.js';
import { spawnService, waitForHttp, type ChildService } from './children.js';
import type { CleanupRegistry } from './cleanup.js';

export interface OursProcess {
  service: ChildService;
  url: string;
  /** A plus user's API key created through the admin API. */
  userKey: string;
}

export interface OursInput {
  repoRoot: string;
  workDir: string;
  cleanup: CleanupRegistry;
  /** The fast simulator (OpenAI and ChatGPT accounts). */
  sim: { url: string; openaiBaseUrl: string; chatgptBaseUrl: string };
  /** The slow-stream simulator, served under the model name `gpt-4o`. */
  slowSim?: { openaiBaseUrl: string };
  simApiKey: string;
  chatgptTokens: string[];
  /** The Node to run it under (default: the benchmark's own). */
  node?: string;
}

const ADMIN_KEY = 'cas_admin_bench_0123456789abcdefghijklmnopqrstuvwxyz';
export const FAST_MODEL = 'gpt-4o-mini';
export const SLOW_MODEL = 'gpt-4o';
/** High enough that no benchmark case queues for an account (Portkey has no such limit). */
const FAST_CONCURRENCY = 256;
const SLOW_CONCURRENCY = 1100;

/** The production bundle `npm run build` writes (scripts/build.ts). */
export function oursEntry(repoRoot: string): string {
  return join(repoRoot, 'dist', 'main.js');
}

/**
 * The Node `bench:compare` runs a build under: the build directory's own `node` (an executable,
 * or a link to one) if it holds one, else the benchmark's. So one bundle can be set under two
 * Node versions side by side; the directory's node_modules must be built for its Node
 * (better-sqlite3 is native), e.g. a clone where `npm ci` ran under it.
 */
export function oursNode(repoRoot: string): string {
  const own = join(repoRoot, 'node');
  return statSync(own, { throwIfNoEntry: false })?.isFile() ? own : process.execPath;
}

/**
 * The Node flags the bundle's first line asks for (`#!/usr/bin/env -S node FLAGS`): ours runs
 * with them under the benchmark's own Node (or `OursInput.node`), as `npm start` runs it under the
 * Node on PATH.
 */
export function hashbangNodeFlags(entry: string): string[] {
  const firstLine = readFileSync(entry, 'utf8').slice(0, 512).split('\n', 1)[0] ?? '';
  const match = /^#!\S*env -S node((?: --?[\w-]+(?:=\S+)?)*)\s*$/.exec(firstLine);
  if (!match) throw new Error(`${entry} does not start with "#!/usr/bin/env -S node [flags]"`);
  return (match[1] ?? '').split(' ').filter(Boolean);
}

/** True when the bundle was built after the last change to src/ or to the build script. */
export function buildIsFresh(repoRoot: string): boolean {
  const entry = oursEntry(repoRoot);
  if (!existsSync(entry)) return false;
  const builtAt = statSync(entry).mtimeMs;
  const newer = (dir: string): boolean =>
    readdirSync(dir, { withFileTypes: true }).some((item) => {
      const path = join(dir, item.name);
      // A directory's own time covers files added or removed in it.
      return statSync(path).mtimeMs > builtAt || (item.isDirectory() && newer(path));
    });
  const src = join(repoRoot, 'src');
  const script = join(repoRoot, 'scripts', 'build.ts');
  return statSync(src).mtimeMs <= builtAt && statSync(script).mtimeMs <= builtAt && !newer(src);
}

/** `npm run build`, unless the bundle is newer than its sources. */
export async function buildOurs(repoRoot: string, log: (line: string) => void): Promise<void> {
  if (buildIsFresh(repoRoot)) {
    log('dist/main.js is newer than src/: skipping the build');
    return;
  }
  const output: string[] = [];
  const code = await new Promise<number>((resolve) => {
    const child = spawn('npm', ['run', 'build', '--silent'], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    child.once('error', () => resolve(-1));
    child.once('exit', (exitCode) => resolve(exitCode ?? -1));
  });
  if (code === 0) return;
  const summary = output.join('').trim().split('\n').slice(0, 8).join('\n');
  throw new Error(`npm run build exited ${code}:\n${summary}`);
}

export function oursSettings(input: OursInput): Record<string, unknown> {
  const instances: Record<string, unknown>[] = [
    {
      name: 'bench-openai',
      kind: 'openai',
      api_key: input.simApiKey,
      base_url: input.sim.openaiBaseUrl,
      models: [FAST_MODEL],
      max_concurrency: FAST_CONCURRENCY,
    },
    ...input.chatgptTokens.map((token, index) => ({
      name: `bench-chatgpt-${index + 1}`,
      kind: 'chatgpt',
      access_token: token,
    })),
  ];
  if (input.slowSim) {
    instances.push({
      name: 'bench-openai-slow',
      kind: 'openai',
      api_key: input.simApiKey,
      base_url: input.slowSim.openaiBaseUrl,
      models: [SLOW_MODEL],
      max_concurrency: SLOW_CONCURRENCY,
    });
  }
  return {
    openai: {
      base_url: input.sim.chatgptBaseUrl,
      auth_base_url: input.sim.url,
      oauth_token_url: `${input.sim.url}/oauth/token`,
      instances,
    },
    api_server: { host: '127.0.0.1', admin_api_key: ADMIN_KEY, local_or_wan: 'wan' },
    // The memory case holds 1,000 turns open at once (the default cap is 512).
    limits: { max_concurrent_turns: SLOW_CONCURRENCY },
    // OpenAI model names go to the OpenAI-kind accounts only, so /v1 never lands on a web account.
    models: [
      { name: 'auto', kinds: ['chatgpt'], plus: false },
      { name: 'text-davinci-002-render-sha', kinds: ['chatgpt'], plus: false },
      { name: FAST_MODEL, kinds: ['openai'], plus: false },
      { name: SLOW_MODEL, kinds: ['openai'], plus: false },
    ],
  };
}

function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'info', NODE_ENV: 'production' };
  // The defaults are what is measured (HEAP_GROWING_PERCENT included).
  for (const name of [
    'DATABASE_URL',
    'REDIS_URL',
    'API_HOST',
    'API_PORT',
    'DATA_DIR',
    'HEAP_GROWING_PERCENT',
  ])
    delete env[name];
  return env;
}

export async function startOurs(input: OursInput): Promise<OursProcess> {
  const dataDir = join(input.workDir, 'ours-data');
  await mkdir(dataDir, { recursive: true });
  const configPath = join(input.workDir, 'settings.json');
  await writeFile(configPath, JSON.stringify(oursSettings(input), null, 2), { mode: 0o600 });
  const port = await freePort();
  const service = spawnService({
    name: 'ours',
    command: input.node ?? process.execPath,
    args: [
      ...hashbangNodeFlags(oursEntry(input.repoRoot)),
      oursEntry(input.repoRoot),
      'serve',
      '--config',
      configPath,
      '--port',
      String(port),
      '--data-dir',
      dataDir,
    ],
    cwd: input.workDir,
    env: childEnv(),
    logFile: join(input.workDir, 'ours.log'),
    cleanup: input.cleanup,
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp({ url: `${url}/healthz`, service, timeoutMs: 20_000 });
  const response = await fetch(
    `${url}/api/admin/add-user?admin=${ADMIN_KEY}&userid=bench&username=bench&plus=true`,
    { signal: AbortSignal.timeout(10_000) },
  );
  const body = (await response.json()) as { api_key?: unknown };
  if (!response.ok || typeof body.api_key !== 'string') {
    throw new Error(`ours: add-user answered ${response.status}, no api_key`);
  }
  return { service, url, userKey: body.api_key };
}
