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
  heapGrowingPercent?: number;
  sqliteCheckpoints?: 'inline' | 'background';
  sqliteCacheMb?: number;
}

/**
 * Under load V8 let a replica's old generation grow to ~4× its ~30 MB live heap before it
 * collected it (peaks of ~250 MB RSS); at 1.6× the peak was ~175 MB for no CPU we could tell
 * from the noise, since a full collection of that heap takes ~10 ms. With the live heap down to
 * ~17 MB, 1.4× took 4–10 MB more off the peak, again for no CPU we could tell; under many
 * concurrent streams, part of what waits is their network buffers (docs/PERFORMANCE.md).
 */
export const DEFAULT_HEAP_GROWING_PERCENT = 40;

/**
 * SQLite's own default page cache. better-sqlite3 builds SQLite with 16 MB, which a busy server
 * fills with the pages of turns it has just written and never reads again: ~17 MB of its peak
 * RSS, for no CPU we could measure (docs/PERFORMANCE.md). Reads the cache misses come from the
 * OS's page cache.
 */
export const DEFAULT_SQLITE_CACHE_MB = 2;

const SQLITE_CACHE_MB = {
  name: 'SQLITE_CACHE_MB',
  min: 1,
  max: 4096,
  message: 'must be a whole number of MB from 1 to 4096',
};

/** V8's own largest growing factor is 4×, so more than 300 would change nothing. */
const HEAP_GROWING_PERCENT = {
  name: 'HEAP_GROWING_PERCENT',
  min: 0,
  max: 300,
  message: 'must be a whole number from 0 (V8 decides) to 300',
};

const nonEmpty = (value: string | undefined): string | undefined =>
  value === undefined || value.trim() === '' ? undefined : value.trim();

/** `env[name]` as a whole number from `min` to `max`; undefined when unset, an issue when invalid. */
export function wholeNumberFromEnv(
  env: NodeJS.ProcessEnv,
  issues: ConfigIssue[],
  spec: { name: string; min: number; max?: number; message: string },
): number | undefined {
  const raw = nonEmpty(env[spec.name]);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (Number.isInteger(value) && value >= spec.min && value <= (spec.max ?? Infinity)) return value;
  issues.push({ path: `env.${spec.name}`, message: spec.message });
  return undefined;
}

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
  const heapGrowingPercent = wholeNumberFromEnv(env, issues, HEAP_GROWING_PERCENT);
  if (heapGrowingPercent !== undefined) overrides.heapGrowingPercent = heapGrowingPercent;
  const checkpoints = nonEmpty(env.SQLITE_CHECKPOINTS);
  if (checkpoints !== undefined) {
    if (checkpoints === 'inline' || checkpoints === 'background') overrides.sqliteCheckpoints = checkpoints;
    else issues.push({ path: 'env.SQLITE_CHECKPOINTS', message: "must be 'inline' or 'background'" });
  }
  const sqliteCacheMb = wholeNumberFromEnv(env, issues, SQLITE_CACHE_MB);
  if (sqliteCacheMb !== undefined) overrides.sqliteCacheMb = sqliteCacheMb;
  return overrides;
}
