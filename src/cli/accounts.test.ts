import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../test/helpers/cli.js';
import { startUpstreamSim, type UpstreamSim } from '../../test/upstream-sim/index.js';

// Each case starts the CLI (through tsx) once or more: slow on a busy machine, hence the timeout.
describe(
  'accounts command (a real child process against the upstream simulator)',
  { timeout: 90_000 },
  () => {
    let sim: UpstreamSim;
    let cwd: string;
    beforeAll(async () => {
      sim = await startUpstreamSim();
      cwd = mkdtempSync(path.join(tmpdir(), 'cas-cli-accounts-'));
      for (const name of ['free-1', 'free-2']) sim.addAccount({ accessToken: `tok-${name}` });
      writeFileSync(
        path.join(cwd, 'settings.json'),
        JSON.stringify({
          openai: {
            base_url: sim.chatgptBaseUrl,
            auth_base_url: sim.authBaseUrl,
            instances: [
              { name: 'free-1', access_token: 'tok-free-1' },
              { name: 'free-2', access_token: 'tok-free-2' },
            ],
          },
          api_server: { host: '127.0.0.1', port: 0 },
        }),
        { mode: 0o600 },
      );
    });
    afterAll(async () => {
      await sim?.close();
      if (cwd) rmSync(cwd, { recursive: true, force: true });
    });

    it('lists the accounts with their state and never a credential', async () => {
      const result = await runCli(['accounts'], { cwd });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^free-1\tchatgpt\tfree\tready\tconfig\tdirect$/m);
      expect(result.stdout).toMatch(/^free-2\tchatgpt\tfree\tready\t/m);
      expect(result.stdout).not.toContain('tok-free');
      const json = await runCli(['accounts', '--json'], { cwd });
      expect((JSON.parse(json.stdout) as { name: string }[]).map((a) => a.name)).toEqual([
        'free-1',
        'free-2',
      ]);
    });

    it('tests every account with progress lines and exits 1 when one fails', async () => {
      const ok = await runCli(['accounts', '--test'], { cwd });
      expect(ok.code).toBe(0);
      expect(ok.stdout).toMatch(/^testing free-1… ok \(\d+\.\d s\)$/m);
      expect(ok.stdout).toMatch(/^testing free-2… ok \(\d+\.\d s\)$/m);
      expect(ok.stdout).toContain('2 of 2 account(s) answered.');

      sim.setFault('tok-free-2', { type: 'server_error' });
      try {
        const failed = await runCli(['accounts', '--test'], { cwd });
        expect(failed.code).toBe(1);
        expect(failed.stdout).toMatch(/^testing free-1… ok/m);
        expect(failed.stdout).toMatch(/^testing free-2… failed \(\d+\.\d s\): upstream_error: /m);
        expect(failed.stderr).toContain('1 account(s) failed the test');
      } finally {
        sim.setFault('tok-free-2', null);
      }
    });

    it('answers --help with exit 0 and a wrong flag with exit 2', async () => {
      const help = await runCli(['accounts', '--help'], { cwd });
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('Usage: chatgpt-api-server accounts [--test]');
      expect((await runCli(['accounts', '--bogus'], { cwd })).code).toBe(2);
    });
  },
);
