/** Starting, awaiting and stopping the benchmark's child processes (one per measured server). */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CleanupRegistry } from './cleanup.js';

export interface ChildService {
  name: string;
  pid: number;
  logFile: string;
  /** Resolves with the exit code (or signal name) when the process ends. */
  exited: Promise<number | string>;
  /** SIGTERM, then SIGKILL after a grace period. */
  stop(): Promise<void>;
}

export interface SpawnInput {
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** stdout and stderr both go here. */
  logFile: string;
  cleanup: CleanupRegistry;
}

const STOP_GRACE_MS = 3000;

export function spawnService(input: SpawnInput): ChildService {
  const fd = openSync(input.logFile, 'a');
  const child = spawn(input.command, input.args, {
    cwd: input.cwd,
    env: input.env ?? process.env,
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`${input.name}: could not start ${input.command}`);
  let running = true;
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      running = false;
      resolve(code ?? signal ?? 'unknown');
    });
    child.once('error', (error) => {
      running = false;
      resolve(error.message);
    });
  });
  const unregister = input.cleanup.add(() => {
    if (running) child.kill('SIGKILL');
  });
  return {
    name: input.name,
    pid: child.pid,
    logFile: input.logFile,
    exited,
    async stop() {
      if (running) {
        child.kill('SIGTERM');
        const ended = await Promise.race([exited.then(() => true), sleep(STOP_GRACE_MS).then(() => false)]);
        if (!ended && running) child.kill('SIGKILL');
        await exited;
      }
      unregister();
    },
  };
}

/** The last lines of a child's log, for error messages. */
export function logTail(logFile: string, lines = 15): string {
  try {
    return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Polls until `url` answers any HTTP status; fails if the child exits or the time runs out. */
export async function waitForHttp(input: {
  url: string;
  service: ChildService;
  timeoutMs: number;
}): Promise<void> {
  const deadline = Date.now() + input.timeoutMs;
  let exitedWith: number | string | undefined;
  void input.service.exited.then((code) => (exitedWith = code));
  for (;;) {
    if (exitedWith !== undefined) {
      throw new Error(
        `${input.service.name} exited (${exitedWith}) before answering; log:\n${logTail(input.service.logFile)}`,
      );
    }
    try {
      const response = await fetch(input.url, { signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${input.service.name} did not answer ${input.url} within ${input.timeoutMs} ms; log:\n${logTail(input.service.logFile)}`,
      );
    }
    await sleep(100);
  }
}
