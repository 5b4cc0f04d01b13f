import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, it } from 'vitest';
import { request } from 'undici';

const ROOT = path.resolve(import.meta.dirname, '..');

it('npm run demo serves chat from the simulator with a ready user key and says so', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cas-demo-'));
  const child = spawn(
    process.execPath,
    [
      '--import',
      pathToFileURL(path.join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href,
      path.join(ROOT, 'scripts/demo.ts'),
    ],
    {
      env: { ...process.env, DEMO_DIR: dir, API_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  try {
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`demo did not start:\n${output}`)), 30_000);
      const onData = (d: Buffer) => {
        output += d.toString();
        if (output.includes('Ctrl-C')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
    });
    expect(output).toMatch(/simulator/i);
    const url = /Server:\s+(http:\/\/\S+)/.exec(output)?.[1];
    const userKey = /User key:\s+(cas_\S+)/.exec(output)?.[1];
    expect(url && userKey).toBeTruthy();
    const res = await request(`${url}/api/chat?user=${userKey}&prompt=hello&plus=true`);
    const body = (await res.body.json()) as Record<string, unknown>;
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-upstream-simulator']).toBe('true');
    expect(body).toMatchObject({ status: 'success', simulated: true, account: 'demo-plus' });
    expect(String(body.reply)).toContain('Simulated reply');
  } finally {
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
});
