/** First start: generate the admin key and app secret, and write them back to settings.json safely. */
import { randomBytes } from 'node:crypto';
import { open, realpath, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { withFileLock } from './file-lock.js';
import { isPlainObject } from './instances.js';
import { readSettingsFile } from './read-file.js';

export const ADMIN_KEY_PREFIX = 'cas_admin_';

export function generateAdminKey(): string {
  return ADMIN_KEY_PREFIX + randomBytes(32).toString('base64url');
}

export function generateAppSecret(): string {
  return randomBytes(48).toString('base64url');
}

/** What a first start writes when there is no settings.json (secrets are added by fillMissingSecrets). */
export function minimalSettings(): Record<string, unknown> {
  return {
    openai: { instances: [] },
    api_server: { host: '127.0.0.1', port: 5000, default_proxy: '', wan_url: '', local_or_wan: 'wan' },
  };
}

const isMissing = (value: unknown): boolean => value === undefined || value === null || value === '';

/**
 * Adds admin_api_key / app_secret under api_server when absent or empty, editing `settings` in
 * place so every other key (and the key order) is kept. Only call after validation passed.
 */
export function fillMissingSecrets(settings: Record<string, unknown>): {
  changed: boolean;
  generatedAdminKey?: string;
} {
  if (!isPlainObject(settings.api_server)) settings.api_server = {};
  const server = settings.api_server as Record<string, unknown>;
  let generatedAdminKey: string | undefined;
  let changed = false;
  if (isMissing(server.admin_api_key)) {
    generatedAdminKey = generateAdminKey();
    server.admin_api_key = generatedAdminKey;
    changed = true;
  }
  if (isMissing(server.app_secret)) {
    server.app_secret = generateAppSecret();
    changed = true;
  }
  return generatedAdminKey === undefined ? { changed } : { changed, generatedAdminKey };
}

const SECRET_KEYS = ['admin_api_key', 'app_secret'] as const;

const serverSection = (settings: Record<string, unknown>): Record<string, unknown> =>
  isPlainObject(settings.api_server) ? settings.api_server : {};

/**
 * Fills the missing secrets and writes them back to `path`, holding `<path>.lock` meanwhile.
 * Replicas started together on one settings.json would otherwise each generate and write their
 * own, and all but the last would run with an app_secret that is not in the file (it encrypts
 * the stored credentials) and an admin key nobody can read. Under the lock the file is read
 * again, and secrets another process wrote meanwhile are taken instead of generated.
 * `createdFile` is set only for the process that wrote a file that did not exist.
 */
export async function writeMissingSecrets(
  path: string,
  settings: Record<string, unknown>,
): Promise<{ changed: boolean; generatedAdminKey?: string; createdFile?: true }> {
  if (!SECRET_KEYS.some((key) => isMissing(serverSection(settings)[key]))) return { changed: false };
  const target = await resolveTarget(path);
  return withFileLock(target, async () => {
    const current = await readSettingsFile(target);
    if (current.exists && 'settings' in current) {
      const written = serverSection(current.settings);
      if (!isPlainObject(settings.api_server)) settings.api_server = {};
      const server = settings.api_server as Record<string, unknown>;
      for (const key of SECRET_KEYS)
        if (isMissing(server[key]) && !isMissing(written[key])) server[key] = written[key];
    }
    const filled = fillMissingSecrets(settings);
    if (!filled.changed) return filled;
    await writeJsonAtomic(target, settings);
    return current.exists ? filled : { ...filled, createdFile: true };
  });
}

async function resolveTarget(path: string): Promise<string> {
  try {
    return await realpath(path); // write through a symlink instead of replacing it
  } catch {
    return path;
  }
}

/**
 * Writes JSON (2-space indent) with mode 0600 via a temp file in the same directory + rename, so
 * a crash never leaves a half-written settings.json and the secrets are never world-readable.
 */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const target = await resolveTarget(path);
  const temp = join(
    dirname(target),
    `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`,
  );
  const handle = await open(temp, 'wx', 0o600);
  try {
    try {
      await handle.chmod(0o600); // the umask may have removed bits we need; never added any
      await handle.writeFile(`${JSON.stringify(value, null, 2)}\n`, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}
