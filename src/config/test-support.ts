/** Temp dirs with a settings.json, for the config tests; removed after each test. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'config-test-'));
  dirs.push(dir);
  return dir;
}

/** A temp dir holding settings.json with `settings` (already-complete secrets unless told otherwise). */
export async function withSettings(settings: unknown): Promise<string> {
  const dir = await tempDir();
  const text = typeof settings === 'string' ? settings : JSON.stringify(settings, null, 2);
  await writeFile(join(dir, 'settings.json'), text, { mode: 0o600 });
  return dir;
}

export const SECRETS = {
  admin_api_key: 'cas_admin_test-key-0123456789abcdef',
  app_secret: 'secret-0123456789abcdef',
};
