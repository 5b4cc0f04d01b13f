/**
 * A `kill -9` of the server (a real child process) during a streamed reply: after a restart on
 * the same data, the interrupted turn is stored as incomplete and every earlier turn is intact.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startServerProcess, type ServerProcess } from '../../../../test/helpers/cli.js';
import { httpCall as call } from '../../../../test/helpers/http-call.js';
import { simulatedReply, startUpstreamSim, type UpstreamSim } from '../../../../test/upstream-sim/index.js';

const ADMIN_KEY = 'cas_admin_crash_test_0123456789abcdefghijklmnop';

describe('kill -9 during a streamed reply', () => {
  let sim: UpstreamSim;
  let cwd: string;
  const running: ServerProcess[] = [];
  const env = () => ({
    DATA_DIR: path.join(cwd, 'data'),
    DATABASE_URL: '',
    API_HOST: '',
    API_PORT: '',
    REDIS_URL: '',
  });

  beforeAll(async () => {
    sim = await startUpstreamSim();
    sim.addAccount({ accessToken: 'tok-crash-1' });
    cwd = mkdtempSync(path.join(tmpdir(), 'cas-crash-'));
    writeFileSync(
      path.join(cwd, 'settings.json'),
      JSON.stringify({
        openai: {
          base_url: sim.chatgptBaseUrl,
          instances: [{ name: 'crash-1', access_token: 'tok-crash-1' }],
        },
        api_server: {
          host: '127.0.0.1',
          port: 0,
          admin_api_key: ADMIN_KEY,
          app_secret: 'crash-test-app-secret-0123456789abcdefghijklmnop',
        },
      }),
    );
  });
  afterAll(async () => {
    for (const server of running) {
      // A child killed by a signal has a null exitCode; stop() would wait for an exit already past.
      if (server.child.exitCode === null && server.child.signalCode === null) await server.stop('SIGKILL');
    }
    await sim?.close();
    if (cwd) rmSync(cwd, { recursive: true, force: true });
  });

  it('keeps the earlier turns and marks the interrupted one incomplete', async () => {
    const first = await startServerProcess(['--port', '0'], { cwd, env: env() });
    running.push(first);
    const added = await call(`${first.url}/api/admin/users`, {
      json: { userid: 'alice' },
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(added.status, added.text).toBe(200);
    const key = added.json?.api_key as string;

    const done = await call(`${first.url}/api/chat`, { json: { user: key, prompt: 'before the crash' } });
    expect(done.status, done.text).toBe(200);
    const conversationId = done.json?.conversation_id as string;

    sim.setOptions({ chunkDelayMs: 300 });
    const controller = new AbortController();
    const streamed = await request(`${first.url}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        user: key,
        prompt: 'during the crash',
        conversation_id: conversationId,
        stream: true,
      }),
      signal: controller.signal,
    });
    expect(streamed.statusCode).toBe(200);
    let received = '';
    const reader = streamed.body[Symbol.asyncIterator]();
    while (!received.includes('event: delta')) {
      const next = (await reader.next()) as IteratorResult<Buffer>;
      if (next.done) throw new Error(`stream ended before a delta: ${received}`);
      received += next.value.toString();
    }
    await first.stop('SIGKILL');
    controller.abort();
    await reader.return?.().catch(() => undefined);
    sim.setOptions({ chunkDelayMs: 0 });

    const second = await startServerProcess(['--port', '0'], { cwd, env: env() });
    running.push(second);
    const recall = await call(`${second.url}/api/recall?user=${key}&conversation_id=${conversationId}`);
    expect(recall.status, recall.text).toBe(200);
    const turns = recall.json?.turns as Record<string, unknown>[];
    expect(turns).toHaveLength(2);
    expect(turns[0]).toMatchObject({
      prompt: 'before the crash',
      reply: simulatedReply('before the crash', 0),
      status: 'complete',
      account: 'crash-1',
    });
    expect(turns[1]).toMatchObject({
      prompt: 'during the crash',
      status: 'incomplete',
      error: { code: 'interrupted' },
    });
    expect(second.output()).toMatch(/marked incomplete/);

    const list = await call(`${second.url}/api/recall?user=${key}`);
    expect(list.json?.items).toEqual([
      expect.objectContaining({ conversation_id: conversationId, turns: 2 }),
    ]);
    expect(await second.stop()).toBe(0);
  });
});
