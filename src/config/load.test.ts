import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './index.js';
import type { ConfigIssue } from './index.js';

import { SECRETS, tempDir, withSettings } from './test-support.js';

async function issuesOf(promise: Promise<unknown>): Promise<ConfigIssue[]> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).issues;
}

const load = (cwd: string, argv: string[] = [], env: NodeJS.ProcessEnv = {}) =>
  loadConfig({ argv, env, cwd });

describe('the original settings.json forms', () => {
  it('reads instances as a list, resolving proxy "default" and string booleans', async () => {
    const dir = await withSettings({
      openai: {
        instances: [
          { email: 'a@example.com', password: 'pw-a', plus: true, proxy: 'default' },
          { email: 'b@example.com', password: 'pw-b', plus: 'false', proxy: 'socks5h://u:p@proxy.lan:1081' },
          { access_token: 'tok', name: 'named' },
        ],
      },
      api_server: { ...SECRETS, default_proxy: 'socks5://127.0.0.1:1080' },
    });
    const { config, created } = await load(dir);
    expect(created).toBe(false);
    expect(config.accounts.map((a) => [a.name, a.plus, a.proxy])).toEqual([
      ['account-1', true, 'socks5://127.0.0.1:1080'],
      ['account-2', false, 'socks5h://u:p@proxy.lan:1081'],
      ['named', false, undefined],
    ]);
    expect(config.accounts[0]).toMatchObject({ kind: 'chatgpt', max_concurrency: 1, weight: 1 });
    expect(config.warnings).toEqual([]);
  });

  it('reads instances as a dict, the key becoming the name unless name is set', async () => {
    const dir = await withSettings({
      openai: {
        instances: {
          alice: { email: 'a@example.com', password: 'pw', plus: 'true' },
          second: { name: 'bob', session_token: 'st' },
          local: { kind: 'openai', base_url: 'http://127.0.0.1:11434/v1', models: ['llama3'] },
        },
      },
      api_server: SECRETS,
    });
    const { config } = await load(dir);
    expect(config.accounts.map((a) => [a.name, a.kind, a.plus])).toEqual([
      ['alice', 'chatgpt', true],
      ['bob', 'chatgpt', false],
      ['local', 'openai', false],
    ]);
    expect(config.accounts[2]).toMatchObject({ api_key: '', max_concurrency: 16, models: ['llama3'] });
  });

  it("reads each kind's options and lists every option it does not have", async () => {
    const good = await withSettings({
      openai: {
        instances: {
          web: { access_token: 't', options: { sentinel: 'two-step', powVariant: 'sha3' } },
          local: { kind: 'openai', base_url: 'http://127.0.0.1:11434/v1', options: { streamOptions: false } },
        },
      },
      api_server: SECRETS,
    });
    const { config } = await load(good);
    expect(config.accounts.map((a) => a.options)).toEqual([
      { sentinel: 'two-step', powVariant: 'sha3' },
      { streamOptions: false },
    ]);
    const bad = await withSettings({
      openai: {
        instances: {
          web: { access_token: 't', options: { streamOptions: false } },
          local: { kind: 'openai', base_url: 'http://127.0.0.1:11434/v1', options: { streamOptions: 'no' } },
          odd: { access_token: 't', options: ['conversation'] },
        },
      },
      api_server: SECRETS,
    });
    const issues = await issuesOf(load(bad));
    expect(issues.map((issue) => issue.path)).toEqual([
      'openai.instances.web.options',
      'openai.instances.local.options.streamOptions',
      'openai.instances.odd.options',
    ]);
    expect(issues[0]?.message).toMatch(/streamOptions/);
  });

  it('accepts the README misspelling "instnaces" with a warning', async () => {
    const dir = await withSettings({
      openai: { instnaces: { main: { email: 'a@example.com', password: 'pw', proxy: 'http://[::1]:3128' } } },
      api_server: SECRETS,
    });
    const { config } = await load(dir);
    expect(config.accounts.map((a) => [a.name, a.proxy])).toEqual([['main', 'http://[::1]:3128']]);
    expect(config.warnings.join('\n')).toMatch(/instnaces.*misspelt/);
  });

  it('refuses "instances" and "instnaces" together', async () => {
    const dir = await withSettings({
      openai: { instances: [], instnaces: [] },
      api_server: SECRETS,
    });
    const issues = await issuesOf(load(dir));
    expect(issues).toEqual([{ path: 'openai', message: expect.stringMatching(/both "instances" and/) }]);
  });

  it('warns about unknown keys inside an instance, naming them', async () => {
    const dir = await withSettings({
      openai: { instances: [{ access_token: 't', passwrod: 'x', colour: 'red' }] },
      api_server: SECRETS,
    });
    const { config } = await load(dir);
    expect(config.warnings).toEqual(['openai.instances[0]: unknown key(s) ignored: passwrod, colour']);
  });
});

describe('problems are all listed together', () => {
  it('lists a bad proxy, plus: "maybe" and port "abc" with their paths', async () => {
    const dir = await withSettings({
      openai: {
        instances: [
          { access_token: 't1' },
          { access_token: 't2' },
          { access_token: 't3', proxy: 'socks5://1.2.3.4', plus: 'maybe' },
        ],
      },
      api_server: { ...SECRETS, port: 'abc' },
    });
    const issues = await issuesOf(load(dir));
    expect(issues).toHaveLength(3);
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: 'openai.instances[2].proxy', message: 'not a socks5/http URL' },
        { path: 'openai.instances[2].plus', message: 'must be true or false' },
        { path: 'api_server.port', message: 'must be an integer 0..65535' },
      ]),
    );
    const error = (await load(dir).then(
      () => undefined,
      (reason: unknown) => reason,
    )) as Error;
    expect(error.message).toContain('openai.instances[2].proxy: not a socks5/http URL');
  });

  it('reports duplicate names with the first use', async () => {
    const dir = await withSettings({
      openai: {
        instances: [
          { name: 'same', access_token: 'a' },
          { name: 'same', access_token: 'b' },
        ],
      },
      api_server: SECRETS,
    });
    const issues = await issuesOf(load(dir));
    expect(issues).toEqual([
      {
        path: 'openai.instances[1].name',
        message: 'duplicate name "same" (already used by openai.instances[0])',
      },
    ]);
  });

  it('requires credentials: api_key for openai, something for chatgpt', async () => {
    const dir = await withSettings({
      openai: {
        instances: [
          { kind: 'openai', base_url: 'https://api.example.com/v1' },
          { kind: 'openai' },
          { plus: true },
          { email: 'only@example.com' },
        ],
      },
      api_server: SECRETS,
    });
    const issues = await issuesOf(load(dir));
    expect(issues.map((issue) => issue.path)).toEqual([
      'openai.instances[0].api_key',
      'openai.instances[1].api_key',
      'openai.instances[2]',
      'openai.instances[3].password',
    ]);
  });

  it('rejects a wan_url that is not http(s) and a bad default_proxy', async () => {
    const dir = await withSettings({
      openai: { instances: [] },
      api_server: { ...SECRETS, wan_url: 'chat.example.com', default_proxy: 'socks4://127.0.0.1:1080' },
    });
    const issues = await issuesOf(load(dir));
    expect(issues).toEqual([
      { path: 'api_server.default_proxy', message: 'not a socks5/http URL' },
      { path: 'api_server.wan_url', message: 'must be an http(s) URL' },
    ]);
  });

  it('reports invalid JSON with its position and writes nothing', async () => {
    const text = '{\n  "api_server": { "password": hunter2 }\n}';
    const dir = await withSettings(text);
    const issues = await issuesOf(load(dir));
    expect(issues).toEqual([
      {
        path: 'settings.json',
        message: 'invalid JSON at line 2, column 31 (position 32): unexpected character',
      },
    ]);
    expect(JSON.stringify(issues)).not.toContain('hunter2');
    expect(await readFile(join(dir, 'settings.json'), 'utf8')).toBe(text);
  });

  it('does not write generated keys when the file has other problems', async () => {
    const settings = { api_server: { port: 70000 } };
    const dir = await withSettings(settings);
    await issuesOf(load(dir));
    expect(JSON.parse(await readFile(join(dir, 'settings.json'), 'utf8'))).toEqual(settings);
  });
});

describe('environment and flags', () => {
  it('applies file < env < flags', async () => {
    const dir = await withSettings({ api_server: { ...SECRETS, host: '10.0.0.1', port: 5001 } });
    const fileOnly = await load(dir);
    expect([fileOnly.config.server.host, fileOnly.config.server.port]).toEqual(['10.0.0.1', 5001]);
    expect(fileOnly.config.dataDir).toBe(join(dir, 'data'));

    const env = {
      API_HOST: '0.0.0.0',
      API_PORT: '6000',
      DATA_DIR: 'state',
      DATABASE_URL: 'postgres://u:p@db/x',
    };
    const withEnv = await load(dir, [], env);
    expect([withEnv.config.server.host, withEnv.config.server.port]).toEqual(['0.0.0.0', 6000]);
    expect(withEnv.config.dataDir).toBe(join(dir, 'state'));
    expect(withEnv.config.databaseUrl).toBe('postgres://u:p@db/x');
    expect(fileOnly.config.heapGrowingPercent).toBe(40);
    expect((await load(dir, [], { HEAP_GROWING_PERCENT: '0' })).config.heapGrowingPercent).toBe(0);
    expect((await load(dir, [], { HEAP_GROWING_PERCENT: ' 150 ' })).config.heapGrowingPercent).toBe(150);
    expect(fileOnly.config.sqliteCheckpoints).toBe('inline');
    expect((await load(dir, [], { SQLITE_CHECKPOINTS: 'background' })).config.sqliteCheckpoints).toBe(
      'background',
    );
    expect(fileOnly.config.sqliteCacheMb).toBe(2);
    expect((await load(dir, [], { SQLITE_CACHE_MB: ' 64 ' })).config.sqliteCacheMb).toBe(64);

    const withFlags = await load(dir, ['--host', '127.0.0.2', '--port=0', '--data-dir', '/var/x'], env);
    expect([withFlags.config.server.host, withFlags.config.server.port]).toEqual(['127.0.0.2', 0]);
    expect(withFlags.config.dataDir).toBe('/var/x');
  });

  it('reads the file named by --config, relative to cwd', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'other.json'), JSON.stringify({ api_server: { ...SECRETS, port: 7001 } }));
    const { config } = await load(dir, ['--config', 'other.json']);
    expect(config.configPath).toBe(join(dir, 'other.json'));
    expect(config.server.port).toBe(7001);
  });

  it('lists bad env values and unknown flags with the file problems, without echoing URLs', async () => {
    const dir = await withSettings({ api_server: { ...SECRETS, local_or_wan: 'internet' } });
    const env = {
      API_PORT: '99999',
      DATABASE_URL: 'mysql://root:s3cret@db/x',
      REDIS_URL: 'http://r',
      HEAP_GROWING_PERCENT: '1.5',
      SQLITE_CHECKPOINTS: 'worker',
      SQLITE_CACHE_MB: '16MB',
    };
    const issues = await issuesOf(load(dir, ['--verbose'], env));
    expect(issues.map((issue) => issue.path)).toEqual([
      '--verbose',
      'api_server.local_or_wan',
      'env.API_PORT',
      'env.DATABASE_URL',
      'env.REDIS_URL',
      'env.HEAP_GROWING_PERCENT',
      'env.SQLITE_CHECKPOINTS',
      'env.SQLITE_CACHE_MB',
    ]);
    expect(JSON.stringify(issues)).not.toContain('s3cret');
    for (const mb of ['0', '4097', '1.5'])
      expect((await issuesOf(load(dir, [], { SQLITE_CACHE_MB: mb }))).map((i) => i.path)).toContain(
        'env.SQLITE_CACHE_MB',
      );
    for (const percent of ['-1', '301', 'lots'])
      expect((await issuesOf(load(dir, [], { HEAP_GROWING_PERCENT: percent }))).map((i) => i.path)).toContain(
        'env.HEAP_GROWING_PERCENT',
      );
  });
});
