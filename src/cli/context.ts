/** What every operator command needs: the loaded config and, when asked, the opened store. */
import { loadConfig, ConfigError, formatConfigIssues } from '../config/index.js';
import type { AppConfig } from '../config/types.js';
import { openStore, type Store } from '../store/index.js';
import { createUserService, type UserService } from '../users/service.js';

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export async function loadCliConfig(
  argv: string[],
): Promise<{ config: AppConfig; generatedAdminKey?: string; created: boolean }> {
  try {
    return await loadConfig({ argv, env: process.env, cwd: process.cwd() });
  } catch (error) {
    if (error instanceof ConfigError)
      throw new CliError(`Invalid configuration:\n${formatConfigIssues(error.issues)}`, 2);
    throw error;
  }
}

export async function withUsers<T>(
  config: AppConfig,
  body: (users: UserService, store: Store) => Promise<T>,
): Promise<T> {
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    const users = createUserService({ store, adminApiKey: config.server.admin_api_key });
    await users.init();
    return await body(users, store);
  } finally {
    await store.close();
  }
}
