/**
 * A dedicated PostgreSQL that can be stopped and started again on the same port and data
 * directory (row 33). The shared test server cannot be restarted without disturbing others.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { freePort } from '../helpers/ports.js';
import { asPostgresUser, initTestCluster } from '../helpers/postgres.js';

export interface RestartablePostgres {
  url: string;
  /** Fast shutdown: every connection is cut. */
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

export async function startRestartablePostgres(bin: string): Promise<RestartablePostgres> {
  const { dir, dataDir } = initTestCluster(bin, 'cas-pg-restart-');
  const port = await freePort();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let child: ChildProcess | undefined;

  const start = async () => {
    const [cmd, args] = asPostgresUser(path.join(bin, 'postgres'), [
      ...['-D', dataDir, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1'],
      ...['-c', 'fsync=off', '-c', 'synchronous_commit=off'],
    ]);
    child = spawn(cmd, args, { stdio: 'ignore' });
    const deadline = Date.now() + 30_000;
    for (;;) {
      const client = new pg.Client({ connectionString: url });
      try {
        await client.connect();
        await client.query('select 1');
        await client.end();
        return;
      } catch (error) {
        await client.end().catch(() => undefined);
        if (Date.now() > deadline || child.exitCode !== null) throw error;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  const stop = async () => {
    const running = child;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((r) => running.once('exit', r));
    // Signal the postmaster itself: runuser, its parent as root, does not forward signals.
    const pid = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    process.kill(pid, 'SIGINT'); // fast shutdown: clients are disconnected, data kept
    await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
    if (running.exitCode === null) running.kill('SIGKILL');
  };
  await start();
  return {
    url,
    start,
    stop,
    async destroy() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
