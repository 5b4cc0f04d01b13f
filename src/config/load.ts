/** loadConfig(): settings.json + environment + flags → one validated, frozen AppConfig. */
import { resolve } from 'node:path';
import type { AppConfig, ModelRoute } from './types.js';
import type { ConfigIssue } from './errors.js';
import { ConfigError } from './errors.js';
import { collectServeFlags } from './flags.js';
import { DEFAULT_HEAP_GROWING_PERCENT, DEFAULT_SQLITE_CACHE_MB, readOverrides } from './env.js';
import { readSettingsFile } from './read-file.js';
import { isPlainObject, readAccounts } from './instances.js';
import { minimalSettings, writeMissingSecrets } from './first-run.js';
import { DEFAULT_MODELS, DEFAULT_USER_AGENT, settingsSchema } from './schema.js';
import { isProxyUrl } from './urls.js';
import { toConfigIssues } from './zod-issues.js';
import { deepFreeze } from './freeze.js';

/** writeMissingSecrets, with a failure to write told as the configuration problem it is. */
async function secretsWrittenBack(
  configPath: string,
  settings: Record<string, unknown>,
): Promise<{ changed: boolean; generatedAdminKey?: string; createdFile?: true }> {
  try {
    return await writeMissingSecrets(configPath, settings);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new ConfigError(
      [
        {
          path: 'api_server.admin_api_key',
          message: `not set, and ${configPath} cannot be written (${code})`,
        },
      ],
      configPath,
    );
  }
}

export interface LoadConfigInput {
  /** The `serve` flags (arguments after the sub-command). */
  argv: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export interface LoadedConfig {
  config: AppConfig;
  /** settings.json did not exist and this process wrote it (not a replica started with it). */
  created: boolean;
  /** Set when an admin key was generated on this start, so the caller prints it once. */
  generatedAdminKey?: string;
}

const SHORT_ADMIN_KEY = 16;

function uniqueModelRoutes(models: ModelRoute[], issues: ConfigIssue[]): void {
  const seen = new Set<string>();
  models.forEach((route, index) => {
    if (seen.has(route.name))
      issues.push({ path: `models[${index}].name`, message: `duplicate model "${route.name}"` });
    seen.add(route.name);
  });
}

function rawDefaultProxy(settings: Record<string, unknown>): string | undefined {
  const server = settings.api_server;
  const proxy = isPlainObject(server) ? server.default_proxy : undefined;
  return typeof proxy === 'string' && isProxyUrl(proxy) ? proxy : undefined;
}

export async function loadConfig(input: LoadConfigInput): Promise<LoadedConfig> {
  const { flags, issues } = collectServeFlags(input.argv);
  const configPath = resolve(input.cwd, flags.config ?? 'settings.json');
  const file = await readSettingsFile(configPath);
  if (file.exists && 'issue' in file) throw new ConfigError([...issues, file.issue], configPath);
  const settings = file.exists ? file.settings : minimalSettings();
  const warnings: string[] = [];

  const parsed = settingsSchema.safeParse(settings);
  if (!parsed.success) issues.push(...toConfigIssues(parsed.error));
  const accounts = readAccounts(
    { openai: settings.openai, defaultProxy: rawDefaultProxy(settings) },
    { issues, warnings },
  );
  const overrides = readOverrides(input.env, flags, issues);
  const models: ModelRoute[] = structuredClone(parsed.data?.models ?? DEFAULT_MODELS);
  uniqueModelRoutes(models, issues);
  if (!parsed.success || issues.length > 0) throw new ConfigError(issues, configPath);
  const { openai, api_server: server, limits } = parsed.data;

  const secrets = await secretsWrittenBack(configPath, settings);
  if (!secrets.changed && file.exists && process.platform !== 'win32' && (file.mode & 0o077) !== 0) {
    warnings.push(`${configPath} holds secrets but other users can read it; run: chmod 600 ${configPath}`);
  }
  const written = settings.api_server as { admin_api_key: string; app_secret: string };
  if (!secrets.generatedAdminKey && written.admin_api_key.length < SHORT_ADMIN_KEY) {
    warnings.push(
      `api_server.admin_api_key is shorter than ${SHORT_ADMIN_KEY} characters; use a long random key`,
    );
  }

  const config: AppConfig = {
    configPath,
    server: {
      host: overrides.host ?? server.host,
      port: overrides.port ?? server.port,
      ...(server.default_proxy !== undefined && { default_proxy: server.default_proxy }),
      ...(server.wan_url !== undefined && { wan_url: server.wan_url }),
      local_or_wan: server.local_or_wan ?? 'wan',
      admin_api_key: written.admin_api_key,
      app_secret: written.app_secret,
      cors_origins: (server.cors_origins ?? []).map((origin) => origin.replace(/\/$/, '')),
      trust_proxy: server.trust_proxy,
      metrics_allow: (server.metrics_allow ?? []).map((entry) => entry.trim()),
    },
    chatgpt: {
      base_url: openai.base_url,
      auth_base_url: openai.auth_base_url,
      oauth_token_url: openai.oauth_token_url ?? 'https://auth.openai.com/oauth/token',
      access_token_refresh_interval: openai.access_token_refresh_interval,
      user_agent: openai.user_agent ?? server.default_user_agent ?? DEFAULT_USER_AGENT,
    },
    accounts,
    models: models.map(({ upstream, ...route }) => (upstream ? { ...route, upstream } : route)),
    limits,
    dataDir: resolve(input.cwd, overrides.dataDir ?? 'data'),
    ...(overrides.databaseUrl !== undefined && { databaseUrl: overrides.databaseUrl }),
    ...(overrides.redisUrl !== undefined && { redisUrl: overrides.redisUrl }),
    heapGrowingPercent: overrides.heapGrowingPercent ?? DEFAULT_HEAP_GROWING_PERCENT,
    sqliteCheckpoints: overrides.sqliteCheckpoints ?? 'inline',
    sqliteCacheMb: overrides.sqliteCacheMb ?? DEFAULT_SQLITE_CACHE_MB,
    warnings,
  };
  const loaded: LoadedConfig = { config: deepFreeze(config), created: secrets.createdFile === true };
  if (secrets.generatedAdminKey !== undefined) loaded.generatedAdminKey = secrets.generatedAdminKey;
  return loaded;
}
