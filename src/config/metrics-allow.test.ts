import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './index.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function load(apiServer: Record<string, unknown>) {
  const dir = await mkdtemp(join(tmpdir(), 'config-metrics-'));
  dirs.push(dir);
  const settings = {
    api_server: {
      admin_api_key: 'cas_admin_test-key-0123456789abcdef',
      app_secret: 'secret-0123456789abcdef',
      ...apiServer,
    },
  };
  await writeFile(join(dir, 'settings.json'), JSON.stringify(settings), { mode: 0o600 });
  return loadConfig({ argv: [], env: {}, cwd: dir });
}

describe('api_server.metrics_allow', () => {
  it('defaults to an empty list (admin key only) and keeps valid addresses and ranges', async () => {
    expect((await load({})).config.server.metrics_allow).toEqual([]);
    const { config } = await load({ metrics_allow: ['127.0.0.1', ' 10.0.0.0/8 ', 'fd00::/8'] });
    expect(config.server.metrics_allow).toEqual(['127.0.0.1', '10.0.0.0/8', 'fd00::/8']);
  });

  it('names every entry that is not an IP address or CIDR range', async () => {
    const error = await load({ metrics_allow: ['10.0.0.0/8', 'intranet', '10.0.0.0/40'] }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    const paths = (error as ConfigError).issues.map((i) => i.path);
    expect(paths).toEqual(['api_server.metrics_allow[1]', 'api_server.metrics_allow[2]']);
    const notAList = await load({ metrics_allow: '127.0.0.1' }).catch((e: unknown) => e);
    expect((notAList as ConfigError).issues[0]?.message).toContain('list of IP addresses');
  });
});
