/**
 * The peer gateway: Portkey's @portkey-ai/gateway 1.15.2, installed by npm into a cached temp
 * dir with @hono/node-server pinned to 1.13.8 (newer versions break its streaming), started
 * with its own node entry on a loopback port.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../test/helpers/ports.js';
import { spawnService, waitForHttp, type ChildService } from './children.js';
import type { CleanupRegistry } from './cleanup.js';

export const PORTKEY_VERSION = '1.15.2';
const HONO_NODE_SERVER_VERSION = '1.13.8';
const INSTALL_TIMEOUT_MS = 240_000;

export type PortkeyInstall = { dir: string; entry: string } | { unavailable: string };

export interface PortkeyProcess {
  service: ChildService;
  url: string;
}

function installedVersion(dir: string, name: string): string | undefined {
  try {
    const file = join(dir, 'node_modules', name, 'package.json');
    return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

function entryOf(dir: string): string {
  const packageDir = join(dir, 'node_modules', '@portkey-ai', 'gateway');
  const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
    bin?: string | Record<string, string>;
    main?: string;
  };
  const bin = typeof manifest.bin === 'string' ? manifest.bin : Object.values(manifest.bin ?? {})[0];
  return join(packageDir, bin ?? manifest.main ?? 'build/start-server.js');
}

function runNpmInstall(dir: string): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    const output: string[] = [];
    const child = spawn('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), INSTALL_TIMEOUT_MS);
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    child.once('error', (error) => {
      clearTimeout(timer);
      resolve({ ok: false, output: error.message });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ ok: code === 0, output: output.join('') });
    });
  });
}

/** Installs Portkey once per machine (cached in the OS temp dir); never throws. */
export async function installPortkey(log: (line: string) => void): Promise<PortkeyInstall> {
  const dir = join(tmpdir(), `cas-bench-portkey-${PORTKEY_VERSION}`);
  const ready = (): boolean =>
    installedVersion(dir, '@portkey-ai/gateway') === PORTKEY_VERSION &&
    installedVersion(dir, '@hono/node-server') === HONO_NODE_SERVER_VERSION;
  try {
    if (!ready()) {
      log(`installing @portkey-ai/gateway@${PORTKEY_VERSION} into ${dir} (cached for later runs)`);
      await mkdir(dir, { recursive: true });
      const manifest = {
        name: 'cas-bench-portkey',
        private: true,
        version: '0.0.0',
        dependencies: { '@portkey-ai/gateway': PORTKEY_VERSION },
        overrides: { '@hono/node-server': HONO_NODE_SERVER_VERSION },
      };
      await writeFile(join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
      const result = await runNpmInstall(dir);
      if (!result.ok || !ready()) {
        const reason = result.output.trim().split('\n').slice(-3).join(' ') || 'npm install failed';
        return { unavailable: `install failed: ${reason}` };
      }
    }
    const entry = entryOf(dir);
    if (!existsSync(entry)) return { unavailable: `no entry file ${entry}` };
    return { dir, entry };
  } catch (error) {
    return { unavailable: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Portkey's server listens on every interface and takes no host option; this preload pins the
 * listen address to loopback.
 */
const LOOPBACK_PRELOAD = `import net from 'node:net';
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === 'number' || typeof args[0] === 'string') {
    if (args[1] === undefined || args[1] === null) args[1] = '127.0.0.1';
    else if (typeof args[1] === 'function') args.splice(1, 0, '127.0.0.1');
  } else if (args[0] && typeof args[0] === 'object' && !('fd' in args[0]) && !('path' in args[0])) {
    args[0] = { ...args[0], host: '127.0.0.1' };
  }
  return listen.apply(this, args);
};
`;

export async function startPortkey(input: {
  install: { dir: string; entry: string };
  workDir: string;
  cleanup: CleanupRegistry;
}): Promise<PortkeyProcess> {
  const preload = join(input.install.dir, 'bench-loopback.mjs');
  await writeFile(preload, LOOPBACK_PRELOAD);
  const port = await freePort();
  const service = spawnService({
    name: 'portkey',
    command: process.execPath,
    args: ['--import', preload, input.install.entry, `--port=${port}`, '--headless'],
    cwd: input.install.dir,
    env: { ...process.env, NODE_ENV: 'production' },
    logFile: join(input.workDir, 'portkey.log'),
    cleanup: input.cleanup,
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp({ url, service, timeoutMs: 30_000 });
  return { service, url };
}
