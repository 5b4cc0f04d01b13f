import { setFlagsFromString } from 'node:v8';
import { createLogger } from '../logging/logger.js';
import { startServer } from '../server.js';
import { loadCliConfig } from './context.js';

export async function serve(argv: string[]): Promise<void> {
  const { config, generatedAdminKey, created } = await loadCliConfig(argv);
  const logger = createLogger({
    level: process.env.LOG_LEVEL ?? 'info',
    pretty: process.stdout.isTTY === true,
  });
  for (const warning of config.warnings) logger.warn(warning);
  if (created) {
    console.log(`Created ${config.configPath} with no upstream accounts.`);
    console.log('Add an account under "openai.instances" (see README: Configuration) and restart.');
  }
  if (generatedAdminKey) {
    console.log(
      `Generated an admin key (saved in ${config.configPath}, shown once here):\n\n  ${generatedAdminKey}\n`,
    );
  }
  // NODE_OPTIONS refuses this V8 flag; V8 reads it afresh after each full collection.
  if (config.heapGrowingPercent > 0)
    setFlagsFromString(`--heap-growing-percent=${config.heapGrowingPercent}`);
  const server = await startServer({ config, logger });
  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  // Before the line below: a supervisor may send SIGTERM as soon as it reads it, and a signal
  // with no handler yet would kill the process without the graceful stop.
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  logger.info(
    {
      url: server.url,
      store: server.store.location,
      heapGrowingPercent: config.heapGrowingPercent,
      ...(server.store.engine === 'sqlite' && {
        sqliteCheckpoints: config.sqliteCheckpoints,
        sqliteCacheMb: config.sqliteCacheMb,
      }),
    },
    'chatgpt-api-server listening',
  );
  logger.flush(); // scripts and supervisors wait for this line
}
