/**
 * Starts the real microsocks SOCKS5 server for tests (Debian package `microsocks`).
 * Use with describeWithBinary('microsocks', …) from ./binaries.js.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { findBinary } from './binaries.js';

export interface MicrosocksOptions {
  user?: string;
  password?: string;
  /** Source address of outgoing connections (`-b`), e.g. 127.0.0.2 to prove traffic went through. */
  bindAddress?: string;
}

export interface Microsocks {
  /** socks5://[user:password@]127.0.0.1:PORT */
  url: string;
  port: number;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 5_000;

async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const canConnect = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function waitUntilListening(child: ChildProcess, port: number): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`microsocks exited early (code ${child.exitCode ?? child.signalCode})`);
    }
    if (await canConnect(port)) return;
    await sleep(25);
  }
  throw new Error(`microsocks did not accept connections on port ${port} within ${READY_TIMEOUT_MS} ms`);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 2_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export async function startMicrosocks(options: MicrosocksOptions = {}): Promise<Microsocks> {
  const binary = findBinary('microsocks');
  if (!binary) throw new Error('microsocks is not installed (Debian package "microsocks")');
  let lastError: unknown;
  // The free port is found before microsocks binds it, so another process may win the race: retry.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freeLoopbackPort();
    const args = ['-i', '127.0.0.1', '-p', String(port)];
    if (options.user !== undefined) args.push('-u', options.user, '-P', options.password ?? '');
    if (options.bindAddress !== undefined) args.push('-b', options.bindAddress);
    const child = spawn(binary, args, { stdio: 'ignore' });
    child.on('error', () => undefined);
    try {
      await waitUntilListening(child, port);
    } catch (error) {
      lastError = error;
      await stopChild(child);
      continue;
    }
    const auth =
      options.user === undefined
        ? ''
        : `${encodeURIComponent(options.user)}:${encodeURIComponent(options.password ?? '')}@`;
    return { url: `socks5://${auth}127.0.0.1:${port}`, port, stop: () => stopChild(child) };
  }
  throw lastError instanceof Error ? lastError : new Error('microsocks could not be started');
}
