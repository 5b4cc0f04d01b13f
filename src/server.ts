/**
 * Wires the real parts together and listens. Tests call it with a config on a temp dir and
 * port 0; the CLI's `serve` calls it with the loaded settings.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { AppConfig } from './config/types.js';
import { buildApp } from './http/app.js';
import { createRuntime, type Runtime } from './runtime.js';
import { openStore, type Store } from './store/index.js';
import { createUserService, type UserService } from './users/service.js';

export interface RunningServer {
  app: FastifyInstance;
  store: Store;
  users: UserService;
  runtime: Runtime;
  /** http://host:port the server listens on. */
  url: string;
  close(): Promise<void>;
}

export async function startServer({
  config,
  logger,
}: {
  config: AppConfig;
  logger: Logger;
}): Promise<RunningServer> {
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const users = createUserService({ store, adminApiKey: config.server.admin_api_key });
  await users.init();
  // Single process: any turn still pending belongs to a previous run that died mid-reply.
  const interrupted = await store.turns.markPendingIncomplete(Date.now());
  if (interrupted > 0)
    logger.warn({ turns: interrupted }, 'turns interrupted by the last stop marked incomplete');
  const runtime = await createRuntime({ config, store, logger });
  const app = await buildApp({ config, store, users, logger, runtime });
  try {
    await app.listen({ host: config.server.host, port: config.server.port });
  } catch (error) {
    await app.close();
    await runtime.close();
    await store.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.server.port;
  const host = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host;
  return {
    app,
    store,
    users,
    runtime,
    url: `http://${host}:${port}`,
    async close() {
      await app.close();
      await runtime.close();
      await store.close();
    },
  };
}
