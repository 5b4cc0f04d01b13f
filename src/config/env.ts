/** Environment and command-line overrides (flags win over env, env over settings.json). */
import type { ConfigIssue } from './errors.js';
import type { ServeFlags } from './flags.js';
import { PORT_MESSAGE, parsePort } from './flags.js';
import { hasProtocol } from './urls.js';

export interface Overrides {
  host?: string;
  port?: number;
  dataDir?: string;
  databaseUrl?: string;
  redisUrl?: string;
}

const nonEmpty = (value: string | undefined): string | undefined =>
  value === undefined || value.trim() === '' ? undefined : value.trim();

export function readOverrides(env: NodeJS.ProcessEnv, flags: ServeFlags, issues: ConfigIssue[]): Overrides {
  const overrides: Overrides = {};
  const host = flags.host ?? nonEmpty(env.API_HOST);
  if (host !== undefined) overrides.host = host;

  const envPort = nonEmpty(env.API_PORT);
  if (envPort !== undefined) {
    const port = parsePort(envPort);
    if (port === undefined) issues.push({ path: 'env.API_PORT', message: PORT_MESSAGE });
    else overrides.port = port;
  }
  if (flags.port !== undefined) overrides.port = flags.port;

  const dataDir = flags.dataDir ?? nonEmpty(env.DATA_DIR);
  if (dataDir !== undefined) overrides.dataDir = dataDir;

  // The URLs carry passwords: the messages never repeat them.
  const databaseUrl = nonEmpty(env.DATABASE_URL);
  if (databaseUrl !== undefined) {
    if (hasProtocol(databaseUrl, ['postgres:', 'postgresql:'])) overrides.databaseUrl = databaseUrl;
    else issues.push({ path: 'env.DATABASE_URL', message: 'must be a postgres:// or postgresql:// URL' });
  }
  const redisUrl = nonEmpty(env.REDIS_URL);
  if (redisUrl !== undefined) {
    if (hasProtocol(redisUrl, ['redis:', 'rediss:'])) overrides.redisUrl = redisUrl;
    else issues.push({ path: 'env.REDIS_URL', message: 'must be a redis:// or rediss:// URL' });
  }
  return overrides;
}
