/**
 * Wires the real parts together and listens. Tests call it with a config on a temp dir and
 * port 0; the CLI's `serve` calls it with the loaded settings.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { AppConfig } from './config/types.js';
import { buildApp } from './http/app.js';
import { drainApp } from './http/hardening.js';
import { resolveLimits } from './http/limits.js';
import { createRuntime, type Runtime } from './runtime.js';
import { createInstanceId } from './shared-state/instance-id.js';
import type { SharedState } from './shared-state/index.js';
import { sharedStateTuning } from './shared-state/tuning.js';
import { openStore, type Store } from './store/index.js';
import { createUserService, type UserService } from './users/service.js';

export interface RunningServer {
  app: FastifyInstance;
  store: Store;
  users: UserService;
  runtime: Runtime;
  /** Redis-backed state when config.redisUrl is set (several processes). */
  shared?: SharedState;
  /** This process's id: owner of its turns and leases. */
  instanceId: string;
  /** http://host:port the server listens on. */
  url: string;
  close(): Promise<void>;
}

async function connectShared(options: {
  url: string;
  instanceId: string;
  heartbeatTtlMs: number;
  logger: Logger;
}): Promise<SharedState> {
  // Loaded only when used: a single process never needs the Redis client.
  const { connectSharedState } = await import('./shared-state/index.js');
  return connectSharedState({ ...options, logger: options.logger.child({ component: 'shared-state' }) });
}

/** Connects the shared state (when configured) and the store; undoes what was done on failure. */
async function openStorage(config: AppConfig, logger: Logger, env: NodeJS.ProcessEnv) {
  const tuning = sharedStateTuning(env);
  const instanceId = createInstanceId();
  // Checked before anything else: a replica told to share state must not quietly run alone.
  const shared = config.redisUrl
    ? await connectShared({ url: config.redisUrl, instanceId, heartbeatTtlMs: tuning.heartbeatTtlMs, logger })
    : undefined;
  try {
    const store = await openStore({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      instanceId,
      onWriteError: (error, op) => logger.error({ err: error, op: op.kind }, 'could not store a turn write'),
      checkpoints: config.sqliteCheckpoints,
      sqliteCacheMb: config.sqliteCacheMb,
      onCheckpointError: (error) => logger.warn({ err: error }, 'WAL checkpoint on the worker thread'),
    });
    if (shared && store.engine === 'sqlite')
      logger.warn('REDIS_URL is set but the database is SQLite: several processes need PostgreSQL');
    return { tuning, instanceId, shared, store };
  } catch (error) {
    await shared?.close();
    throw error;
  }
}

export async function startServer({
  config,
  logger,
  env = process.env,
}: {
  config: AppConfig;
  logger: Logger;
  /** Source of the timing knobs (POOL_LEASE_TTL_MS, …; see src/shared-state/tuning.ts). */
  env?: NodeJS.ProcessEnv;
}): Promise<RunningServer> {
  const { tuning, instanceId, shared, store } = await openStorage(config, logger, env);
  let runtime: Runtime | undefined;
  let app: FastifyInstance | undefined;
  try {
    const users = createUserService({ store, adminApiKey: config.server.admin_api_key });
    await users.init();
    // One process: any pending turn belongs to a previous run that died mid-reply. Several:
    // only the turns of processes whose heartbeat is gone (checked now and periodically).
    const interrupted = shared
      ? await shared.watchTurns(store.turns, tuning.sweepIntervalMs)
      : await store.turns.markPendingIncomplete(Date.now());
    if (interrupted > 0 && !shared)
      logger.warn({ turns: interrupted }, 'turns interrupted by the last stop marked incomplete');
    runtime = await createRuntime({
      config,
      store,
      logger,
      poolState: shared?.poolState,
      poolOptions: tuning.poolOptions,
    });
    app = await buildApp({
      config,
      store,
      users,
      logger,
      runtime,
      rateLimitStore: shared?.rateLimitStore,
      sessionStore: shared?.sessionStore,
    });
    await app.listen({ host: config.server.host, port: config.server.port });
    if (shared)
      logger.info({ instanceId, redis: shared.location }, 'sharing pool state with other processes');
    return running({ config, logger, app, store, users, runtime, shared, instanceId });
  } catch (error) {
    await app?.close();
    await runtime?.close();
    await store.close();
    await shared?.close();
    throw error;
  }
}

function running({
  config,
  logger,
  app,
  store,
  users,
  runtime,
  shared,
  instanceId,
}: Omit<RunningServer, 'url' | 'close'> & { config: AppConfig; logger: Logger }): RunningServer {
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.server.port;
  const host = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host;
  return {
    app,
    store,
    users,
    runtime,
    shared,
    instanceId,
    url: `http://${host}:${port}`,
    async close() {
      await drainApp(app, resolveLimits(config.limits).shutdown_grace_ms, logger);
      await app.close();
      await runtime.close();
      await store.close();
      await shared?.close();
    },
  };
}
