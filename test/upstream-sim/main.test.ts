import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { request } from 'undici';
import { simulatedReply } from './index.js';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

describe('upstream-sim CLI', () => {
  it('prints its URLs, serves the configured key and exits on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', MAIN, '--port', '0', '--api-key', 'sk-cli', '--account', 'tok:plus'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    try {
      let output = '';
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no URL printed: ${output}`)), 15_000);
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const match = /listening on (http:\/\/\S+)/.exec(output);
          if (match) {
            clearTimeout(timer);
            resolve(match[1]!);
          }
        });
      });
      const res = await request(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: 'Bearer sk-cli', 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'cli' }] }),
      });
      const body = (await res.body.json()) as { choices: { message: { content: string } }[] };
      expect(body.choices[0]?.message.content).toBe(simulatedReply('cli', 0));
      const models = await request(`${url}/backend-api/models`, { headers: { authorization: 'Bearer tok' } });
      expect(JSON.stringify(await models.body.json())).toContain('gpt-4o"');
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
