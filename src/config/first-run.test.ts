import { chmod, lstat, readFile, readdir, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './index.js';

import { SECRETS, tempDir, withSettings } from './test-support.js';

const load = (cwd: string, argv: string[] = [], env: NodeJS.ProcessEnv = {}) =>
  loadConfig({ argv, env, cwd });

describe('first run', () => {
  it('writes a minimal settings.json with mode 0600 and generated keys', async () => {
    const dir = await tempDir();
    const { config, created, generatedAdminKey } = await load(dir);
    expect(created).toBe(true);
    expect(generatedAdminKey).toMatch(/^cas_admin_[A-Za-z0-9_-]{43}$/);
    const path = join(dir, 'settings.json');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(['settings.json']); // no temp file left behind
    const written = JSON.parse(await readFile(path, 'utf8'));
    expect(written.openai).toEqual({ instances: [] });
    expect(written.api_server).toMatchObject({
      host: '127.0.0.1',
      port: 5000,
      admin_api_key: generatedAdminKey,
    });
    expect(written.api_server.app_secret.length).toBeGreaterThanOrEqual(43);
    expect(config.server.admin_api_key).toBe(generatedAdminKey);
    expect(config.server.app_secret).toBe(written.api_server.app_secret);
  });

  it("adds keys to the original's example file, keeping everything else, and reuses them next time", async () => {
    const original = {
      openai: { instances: [{ email: '', password: '', plus: true, proxy: 'default' }] },
      api_server: {
        host: '192.168.1.1',
        port: 5000,
        default_proxy: 'socks5://127.0.0.1:1080',
        wan_url: '',
        local_or_wan: 'wan',
      },
    };
    const dir = await withSettings(original);
    const path = join(dir, 'settings.json');
    await chmod(path, 0o644);

    const first = await load(dir);
    expect(first.created).toBe(false);
    expect(first.generatedAdminKey).toBeDefined();
    expect(first.config.server).toMatchObject({
      host: '192.168.1.1',
      default_proxy: 'socks5://127.0.0.1:1080',
    });
    expect(first.config.accounts).toEqual([]); // the template's empty account is skipped…
    expect(first.config.warnings.join('\n')).toMatch(/instances\[0\].*skipped/); // …with a warning

    const written = JSON.parse(await readFile(path, 'utf8'));
    expect(Object.keys(written.api_server)).toEqual([
      ...Object.keys(original.api_server),
      'admin_api_key',
      'app_secret',
    ]);
    expect(written).toMatchObject(original);
    expect((await stat(path)).mode & 0o777).toBe(0o600);

    const second = await load(dir);
    expect(second.generatedAdminKey).toBeUndefined();
    expect(second.config.server.admin_api_key).toBe(first.generatedAdminKey);
    expect(second.config.server.app_secret).toBe(first.config.server.app_secret);
  });
  it('replaces an empty admin key in place and writes through a symlink', async () => {
    const dir = await tempDir();
    const real = join(dir, 'real-settings.json');
    await writeFile(
      real,
      JSON.stringify({ api_server: { admin_api_key: '', port: 5001, app_secret: 'kept-secret-value' } }),
    );
    await symlink(real, join(dir, 'settings.json'));
    const { generatedAdminKey, config } = await load(dir);
    expect((await lstat(join(dir, 'settings.json'))).isSymbolicLink()).toBe(true);
    const written = JSON.parse(await readFile(real, 'utf8'));
    expect(Object.keys(written.api_server)).toEqual(['admin_api_key', 'port', 'app_secret']);
    expect(written.api_server).toEqual({
      admin_api_key: generatedAdminKey,
      port: 5001,
      app_secret: 'kept-secret-value',
    });
    expect(config.server.app_secret).toBe('kept-secret-value');
  });

  it('warns when an untouched settings.json with secrets is readable by others', async () => {
    const dir = await withSettings({ api_server: SECRETS });
    await chmod(join(dir, 'settings.json'), 0o644);
    const { config } = await load(dir);
    expect(config.warnings.join('\n')).toMatch(/other users can read it/);
  });
});

describe('the result', () => {
  it('is deeply frozen', async () => {
    const dir = await withSettings({ openai: { instances: [{ access_token: 't' }] }, api_server: SECRETS });
    const { config } = await load(dir);
    expect(() => {
      (config.server as { port: number }).port = 1;
    }).toThrow(TypeError);
    expect(() => {
      (config.accounts[0] as { plus: boolean }).plus = true;
    }).toThrow(TypeError);
    expect(() => (config.models as unknown[]).push({})).toThrow(TypeError);
    expect(Object.isFrozen(config.limits)).toBe(true);
  });

  it('fills defaults for chatgpt settings, limits and models', async () => {
    const dir = await withSettings({
      openai: { access_token_refresh_interval: 3600 },
      api_server: { ...SECRETS, default_user_agent: 'UA/1', cors_origins: ['https://app.example/'] },
      limits: { queue_max: 5 },
    });
    const { config } = await load(dir);
    expect(config.chatgpt).toEqual({
      base_url: 'https://chatgpt.com/backend-api',
      auth_base_url: 'https://chatgpt.com',
      oauth_token_url: 'https://auth.openai.com/oauth/token',
      access_token_refresh_interval: 3600,
      user_agent: 'UA/1',
    });
    expect(config.limits).toMatchObject({
      queue_max: 5,
      body_limit_bytes: 1024 * 1024,
      queue_timeout_ms: 30_000,
    });
    expect(config.models.map((route) => route.name)).toEqual([
      'auto',
      'gpt-4o-mini',
      'gpt-4o',
      'gpt-5',
      'o3',
      'text-davinci-002-render-sha',
    ]);
    expect(config.server.cors_origins).toEqual(['https://app.example']);
    expect(config.server).toMatchObject({ local_or_wan: 'wan', trust_proxy: false });
  });
});

describe('several processes starting at once', () => {
  it('gives replicas started together on one settings.json the same secrets, those in the file', async () => {
    for (const start of ['no file', 'a file without secrets'] as const) {
      const dir =
        start === 'no file'
          ? await tempDir()
          : await withSettings({ openai: { instances: [] }, api_server: { port: 5000 } });
      const loads = await Promise.all(Array.from({ length: 6 }, () => load(dir)));
      const file = JSON.parse(await readFile(join(dir, 'settings.json'), 'utf8')) as {
        api_server: { admin_api_key: string; app_secret: string };
      };
      for (const { config } of loads) {
        expect(config.server.admin_api_key).toBe(file.api_server.admin_api_key);
        expect(config.server.app_secret).toBe(file.api_server.app_secret);
      }
      expect(loads.filter((loaded) => loaded.generatedAdminKey !== undefined)).toHaveLength(1);
      expect(loads.filter((loaded) => loaded.created)).toHaveLength(start === 'no file' ? 1 : 0);
      expect(await readdir(dir)).toEqual(['settings.json']);
    }
  });

  it('takes over a lock file left by a process that died holding it', async () => {
    const dir = await withSettings({ openai: { instances: [] }, api_server: { port: 5000 } });
    const lock = join(dir, 'settings.json.lock');
    await writeFile(lock, '');
    const longAgo = new Date(Date.now() - 120_000);
    await utimes(lock, longAgo, longAgo);
    const { generatedAdminKey } = await load(dir);
    expect(generatedAdminKey).toBeDefined();
    expect(await readdir(dir)).toEqual(['settings.json']);
  });
});
