/**
 * Several real server processes (child processes running the CLI's `serve`) sharing one
 * PostgreSQL database, one Redis and one settings.json pointed at one upstream simulator.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServerProcess, type ServerProcess } from '../helpers/cli.js';
import { TEST_ADMIN_KEY } from '../helpers/config.js';
import { httpCall, type CallInit, type CallResult } from '../helpers/http-call.js';
import type { UpstreamSim } from '../upstream-sim/index.js';

export interface Cluster {
  processes: ServerProcess[];
  dir: string;
  call(
    index: number,
    pathAndQuery: string,
    init?: Pick<CallInit, 'json' | 'timeoutMs' | 'headers'>,
  ): Promise<CallResult>;
  addUser(userId: string, limits?: { requests_per_minute?: number }): Promise<string>;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  size: number;
  sim: UpstreamSim;
  databaseUrl: string;
  redisUrl: string;
  /** settings.json `openai.instances`. */
  instances: Record<string, unknown>[];
  models: Record<string, unknown>[];
  env?: NodeJS.ProcessEnv;
}

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const dir = mkdtempSync(path.join(tmpdir(), 'cas-cluster-'));
  const settings = {
    openai: {
      base_url: options.sim.chatgptBaseUrl,
      auth_base_url: options.sim.authBaseUrl,
      oauth_token_url: options.sim.oauthTokenUrl,
      instances: options.instances,
    },
    api_server: {
      host: '127.0.0.1',
      port: 0,
      admin_api_key: TEST_ADMIN_KEY,
      app_secret: 'cluster-app-secret-0123456789abcdefghijklmnopqrstuvwxyz',
    },
    models: options.models,
  };
  writeFileSync(path.join(dir, 'settings.json'), JSON.stringify(settings, null, 2));
  const env = {
    DATABASE_URL: options.databaseUrl,
    REDIS_URL: options.redisUrl,
    DATA_DIR: path.join(dir, 'data'),
    LOG_LEVEL: 'info',
    ...options.env,
  };
  // Started together on purpose: migrations and account sync race like a real rollout.
  const started = await Promise.allSettled(
    Array.from({ length: options.size }, () =>
      startServerProcess(['serve', '--config', path.join(dir, 'settings.json')], { cwd: dir, env }),
    ),
  );
  const processes = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failed = started.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) {
    await Promise.all(processes.map((p) => p.stop('SIGKILL')));
    rmSync(dir, { recursive: true, force: true });
    throw failed.reason;
  }

  const call: Cluster['call'] = (index, pathAndQuery, init) => {
    const server = processes[index];
    if (!server) throw new Error(`no process ${index}`);
    return httpCall(server.url + pathAndQuery, { ...init, timeoutMs: init?.timeoutMs ?? 30_000 });
  };

  return {
    processes,
    dir,
    call,
    async addUser(userId, limits) {
      const res = await call(0, '/api/admin/users', {
        json: { userid: userId, username: userId, ...(limits && { limits }) },
        headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` },
      });
      if (res.status !== 200) throw new Error(`addUser failed: ${res.status} ${res.text}`);
      return res.json?.api_key as string;
    },
    async stop() {
      // A process killed by a signal has signalCode set and exitCode null: do not wait for it.
      const running = processes.filter((p) => p.child.exitCode === null && p.child.signalCode === null);
      await Promise.all(running.map((p) => p.stop('SIGTERM')));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
