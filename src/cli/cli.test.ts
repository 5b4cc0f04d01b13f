import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, startServerProcess } from '../../test/helpers/cli.js';
import { httpCall } from '../../test/helpers/http-call.js';
import { createPageClient } from '../http/routes/pages/test-support.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'cas-cli-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('serve (a real child process)', () => {
  it('starts with no settings.json, generates an admin key, and keeps users across a restart', async () => {
    const cwd = tempDir();
    const first = await startServerProcess(['--port', '0'], { cwd });
    try {
      const settings = JSON.parse(readFileSync(path.join(cwd, 'settings.json'), 'utf8')) as {
        api_server: { admin_api_key: string; app_secret: string };
      };
      const adminKey = settings.api_server.admin_api_key;
      expect(adminKey.length).toBeGreaterThanOrEqual(40);
      expect(settings.api_server.app_secret.length).toBeGreaterThanOrEqual(40);
      expect(statSync(path.join(cwd, 'settings.json')).mode & 0o777).toBe(0o600);
      expect(first.output()).toContain(adminKey); // printed once, at generation
      expect(first.output()).toMatch(/how to add an account|Add an account/i);
      expect(first.output()).toContain('"heapGrowingPercent":40'); // the default, applied at start
      expect(first.output()).toContain('"sqliteCacheMb":2');

      const added = await httpCall(
        `${first.url}/api/admin/add-user?admin=${adminKey}&userid=u1&username=Alice&plus=true`,
      );
      expect(added.status).toBe(200);
      const userKey = added.json?.api_key as string;
      expect(await first.stop()).toBe(0);

      const second = await startServerProcess(['--port', '0'], {
        cwd,
        env: { HEAP_GROWING_PERCENT: '0', SQLITE_CACHE_MB: '8' },
      });
      try {
        expect(second.output()).not.toContain(adminKey); // not printed again
        expect(second.output()).toContain('"heapGrowingPercent":0');
        expect(second.output()).toContain('"sqliteCacheMb":8');
        const list = await httpCall(`${second.url}/api/admin/users?admin=${adminKey}`);
        expect(list.status).toBe(200);
        expect(JSON.stringify(list.json)).not.toContain(userKey);
        expect(list.json?.users).toEqual([
          expect.objectContaining({ user_id: 'u1', username: 'Alice', plus: true }),
        ]);
        expect(second.output()).not.toContain(userKey);
      } finally {
        await second.stop();
      }
    } finally {
      await first.stop();
    }
  });

  it('keeps a browser signed in across a restart, until it signs out', async () => {
    const cwd = tempDir();
    const first = await startServerProcess(['--port', '0'], { cwd });
    let client: ReturnType<typeof createPageClient>;
    try {
      const settings = JSON.parse(readFileSync(path.join(cwd, 'settings.json'), 'utf8')) as {
        api_server: { admin_api_key: string };
      };
      const added = await httpCall(
        `${first.url}/api/admin/add-user?admin=${settings.api_server.admin_api_key}&userid=u1&username=Alice`,
      );
      client = createPageClient(first.url);
      expect((await client.signIn(added.json?.api_key as string)).status).toBe(303);
      expect((await client.get('/chat')).text).toContain('Signed in as <strong>Alice</strong>');
      expect(await first.stop()).toBe(0);
    } finally {
      await first.stop();
    }
    const second = await startServerProcess(['--port', '0'], { cwd });
    try {
      const again = createPageClient(second.url);
      for (const [name, value] of client.jar) again.jar.set(name, value);
      expect((await again.get('/chat')).text).toContain('Signed in as <strong>Alice</strong>');
      expect((await again.submit('/chat', '/signout', {})).status).toBe(303);
      const cookie = `cas_session=${client.jar.get('cas_session')}`;
      expect((await again.get('/chat', { cookie })).text).not.toContain('Signed in as');
    } finally {
      await second.stop();
    }
  });

  it('refuses to start on a settings.json with three mistakes and lists all three', async () => {
    const cwd = tempDir();
    writeFileSync(
      path.join(cwd, 'settings.json'),
      JSON.stringify({
        openai: {
          instances: [
            { email: 'a@b.c', password: 'x', plus: 'maybe' },
            { access_token: 't', proxy: 'ftp://nope' },
          ],
        },
        api_server: { host: '127.0.0.1', port: 'abc' },
      }),
    );
    const result = await runCli(['--port', '0'], { cwd });
    expect(result.code).not.toBe(0);
    const text = result.stdout + result.stderr;
    expect(text).toContain('openai.instances[0].plus');
    expect(text).toContain('openai.instances[1].proxy');
    expect(text).toContain('api_server.port');
  });

  it('refuses to start on bad timing knobs in the environment, listing each, with exit code 2', async () => {
    const cwd = tempDir();
    const result = await runCli(['--port', '0'], {
      cwd,
      env: { POOL_LEASE_TTL_MS: 'soon', POOL_LEASE_MAX_LIFETIME_MS: '1000' },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('env.POOL_LEASE_TTL_MS: must be a whole number');
    expect(result.stderr).toContain('env.POOL_LEASE_MAX_LIFETIME_MS: must be at least the lease TTL');
    const heap = await runCli(['--port', '0'], { cwd, env: { HEAP_GROWING_PERCENT: 'lots' } });
    expect(heap.code).toBe(2);
    expect(heap.stderr).toContain('env.HEAP_GROWING_PERCENT: must be a whole number');
  });
});

describe('operator commands', () => {
  const original = {
    openai: { instances: [{ email: 'a@example.com', password: 'pw', plus: true, proxy: 'default' }] },
    api_server: {
      host: '127.0.0.1',
      port: 5000,
      default_proxy: 'socks5://127.0.0.1:1080',
      wan_url: '',
      local_or_wan: 'wan',
    },
  };

  it.each([
    ['list form', original],
    ['dict form', { ...original, openai: { instances: { main: original.openai.instances[0] } } }],
    ['instnaces spelling', { ...original, openai: { instnaces: original.openai.instances } }],
  ])('check-config accepts the original settings.json (%s)', async (_name, settings) => {
    const cwd = tempDir();
    writeFileSync(path.join(cwd, 'settings.json'), JSON.stringify(settings));
    const result = await runCli(['check-config'], { cwd });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('1 account(s)');
  });

  it('imports both users.json forms; add-user and list-users work; help exits 0', async () => {
    const cwd = tempDir();
    const v1 = {
      API_KEYS: { Key0123456789abcdefghijklmnopqrstu: { user_id: 'old1', username: 'Old One', plus: true } },
    };
    const head = {
      API_KEYS: {
        KeyHEAD456789abcdefghijklmnopqrstu: {
          user_id: 'old2',
          username: 'Old Two',
          plus: false,
          is_admin: false,
          is_client: true,
          clients: ['self'],
        },
      },
    };
    writeFileSync(path.join(cwd, 'v1.json'), JSON.stringify(v1));
    writeFileSync(path.join(cwd, 'head.json'), JSON.stringify(head));
    expect((await runCli(['import-users', 'v1.json'], { cwd })).code).toBe(0);
    expect((await runCli(['import-users', 'head.json'], { cwd })).code).toBe(0);
    const again = await runCli(['import-users', 'v1.json'], { cwd });
    expect(again.code).toBe(3); // duplicates are reported, not silently merged
    const added = await runCli(['add-user', '--userid', 'new1', '--plus'], { cwd });
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(/cas_[A-Za-z0-9_-]{43}/);
    const list = await runCli(['list-users'], { cwd });
    expect(list.stdout).toMatch(/old1\tOld One\tplus/);
    expect(list.stdout).toMatch(/old2\tOld Two\tclient/);
    expect(list.stdout).toContain('new1');
    expect(list.stdout).not.toContain('Key0123456789');
    const help = await runCli(['--help'], { cwd });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('import-users');
    expect((await runCli(['bogus'], { cwd })).code).toBe(2);
  });

  it('add-user sets allowed models, request limits and key expiry, with the admin API checks', async () => {
    const cwd = tempDir();
    const added = await runCli(
      [
        'add-user',
        '--userid',
        'lim1',
        '--models',
        'gpt-4o-mini, auto,auto',
        '--key-expires-at',
        '2999-01-31',
      ],
      { cwd },
    );
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toContain('The key expires at 2999-01-31T00:00:00.000Z.');
    const limited = await runCli(['add-user', '--userid', 'lim2', '--requests-per-day', '5'], { cwd });
    expect(limited.code, limited.stderr).toBe(0);
    const text = (await runCli(['list-users'], { cwd })).stdout;
    expect(text).toMatch(
      /^lim1\tlim1\t-\tkey …\S{4}\texpires 2999-01-31T00:00:00\.000Z\tmodels gpt-4o-mini,auto$/m,
    );
    expect(text).toMatch(/^lim2\tlim2\t-\tkey …\S{4}\t5\/day$/m);
    const list = JSON.parse((await runCli(['list-users', '--json'], { cwd })).stdout) as Record<
      string,
      unknown
    >[];
    expect(list.find((u) => u.user_id === 'lim1')).toMatchObject({
      limits: { models: ['gpt-4o-mini', 'auto'] },
      key_expires_at: '2999-01-31T00:00:00.000Z',
    });
    expect(list.find((u) => u.user_id === 'lim2')).toMatchObject({
      limits: { requests_per_day: 5 },
      key_expires_at: null,
    });

    for (const [flag, value] of [
      ['--key-expires-at', '2001-01-01'],
      ['--key-expires-at', 'tomorrow'],
      ['--requests-per-day', '0'],
      ['--models', 'x'.repeat(201)],
    ] as const) {
      const refused = await runCli(['add-user', '--userid', 'bad', flag, value], { cwd });
      expect(refused.code, `${flag} ${value}`).toBe(2);
      expect(refused.stderr).toContain(flag);
    }
    const after = JSON.parse((await runCli(['list-users', '--json'], { cwd })).stdout) as unknown[];
    expect(after).toHaveLength(2);
  });
});
