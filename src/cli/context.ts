/** What every operator command needs: its flags, the loaded config and, when asked, the opened store. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { loadConfig } from '../config/index.js';
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

export const CONFIG_OPTIONS = {
  config: { type: 'string' },
  'data-dir': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The config-related flags, passed on to loadConfig unchanged. */
export function configArgv(values: { config?: string; 'data-dir'?: string }): string[] {
  return [
    ...(values.config ? ['--config', values.config] : []),
    ...(values['data-dir'] ? ['--data-dir', values['data-dir']] : []),
  ];
}

/** parseArgs, with bad usage (an unknown or malformed flag) as exit code 2. */
export function parse<const T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    throw new CliError(error instanceof Error ? error.message : String(error), 2);
  }
}

/** A ConfigError thrown here (or by anything a command starts) exits 2 through main's one catch. */
export function loadCliConfig(
  argv: string[],
): Promise<{ config: AppConfig; generatedAdminKey?: string; created: boolean }> {
  return loadConfig({ argv, env: process.env, cwd: process.cwd() });
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
