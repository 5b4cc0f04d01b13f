import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCleanupRegistry } from '../../bench/cleanup.js';
import { startFloor, type FloorProcess } from '../../bench/floor.js';
import { startUpstreamSim, type UpstreamSim } from '../upstream-sim/index.js';

const repoRoot = join(import.meta.dirname, '..', '..');
const SIM_KEY = 'sk-floor-test';

describe('the floor target (bare Node proxy)', () => {
  const cleanup = createCleanupRegistry();
  let sim: UpstreamSim;
  let floor: FloorProcess;
  let workDir: string;

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'cas-floor-'));
    sim = await startUpstreamSim({ host: '127.0.0.1' });
    sim.addApiKey(SIM_KEY);
    floor = await startFloor({ repoRoot, workDir, cleanup, sim, simApiKey: SIM_KEY });
  });

  afterAll(async () => {
    await floor?.service.stop();
    cleanup.runAll();
    await sim?.close();
    await rm(workDir, { recursive: true, force: true });
  });

  const post = (key: string, body: string, target: FloorProcess = floor) =>
    fetch(`${target.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body,
    });
  /** A second floor beside the suite's, with its own directory under the suite's. */
  const startAnotherFloor = async (name: string, options: { workMicros?: number; store?: boolean }) => {
    const dir = join(workDir, name);
    await mkdir(dir);
    return startFloor({ repoRoot, workDir: dir, cleanup, sim, simApiKey: SIM_KEY, ...options });
  };
  const ask = (stream: boolean) =>
    JSON.stringify({ model: 'gpt-4o-mini', stream, messages: [{ role: 'user', content: 'hi' }] });

  it('refuses a wrong key and a body that is not JSON, and keeps serving', async () => {
    expect((await post('wrong', ask(false))).status).toBe(401);
    expect((await post(floor.key, '{not json')).status).toBe(400);
    expect((await post(floor.key, ask(false))).status).toBe(200);
  });

  it("passes the upstream's completion through with the upstream's own key", async () => {
    const response = await post(floor.key, ask(false));
    const completion = (await response.json()) as {
      object: string;
      choices: { message: { content: string } }[];
    };
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0]?.message.content.length).toBeGreaterThan(0);
    const last = sim.log.at(-1);
    expect(last).toMatchObject({ path: '/v1/chat/completions', status: 200 });
  });

  it('copies a stream through to its [DONE]', async () => {
    const response = await post(floor.key, ask(true));
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const text = await response.text();
    expect(text).toContain('"object":"chat.completion.chunk"');
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
  });

  it('holds each request for its --work-us of busy work before forwarding it', async () => {
    const busy = await startAnotherFloor('busy', { workMicros: 30_000 });
    try {
      const forwardedBefore = sim.log.length;
      const started = process.hrtime.bigint();
      const response = await post(busy.key, ask(false), busy);
      expect(response.status).toBe(200);
      await response.text();
      // A lower bound only: the 30 ms are spent before the upstream sees the request.
      expect(Number(process.hrtime.bigint() - started) / 1e6).toBeGreaterThanOrEqual(30);
      expect(sim.log.length).toBe(forwardedBefore + 1);
    } finally {
      await busy.service.stop();
    }
  });

  // Whether the commit comes before the answer's end: see the next test.
  it('stores each turn with its prompt and reply, and logs it (--store)', async () => {
    const storing = await startAnotherFloor('store', { store: true });
    const storeDir = join(workDir, 'store');
    try {
      const send = (stream: boolean, content: string) =>
        post(
          storing.key,
          JSON.stringify({ model: 'gpt-4o-mini', stream, messages: [{ role: 'user', content }] }),
          storing,
        );
      const whole = (await (await send(false, 'first question')).json()) as {
        choices: { message: { content: string } }[];
      };
      const streamed = await (await send(true, 'second question')).text();
      const streamedText = streamed
        .split('\n')
        .filter((line) => line.startsWith('data: {'))
        .map((line) => JSON.parse(line.slice(6)) as { choices: { delta: { content?: string } }[] })
        .map((chunk) => chunk.choices[0]?.delta.content ?? '')
        .join('');
      expect(streamedText.length).toBeGreaterThan(0);
      expect(streamed.trimEnd().endsWith('data: [DONE]')).toBe(true);

      const db = new SQLite(join(storeDir, 'floor-turns.db'), { readonly: true });
      try {
        expect(db.prepare('SELECT model, prompt, reply FROM turns ORDER BY id').all()).toEqual([
          { model: 'gpt-4o-mini', prompt: 'first question', reply: whole.choices[0]?.message.content },
          { model: 'gpt-4o-mini', prompt: 'second question', reply: streamedText },
        ]);
      } finally {
        db.close();
      }
      await storing.service.stop();
      const logLines = (await readFile(join(storeDir, 'floor-turns.db.log'), 'utf8')).trim().split('\n');
      expect(logLines.map((line) => (JSON.parse(line) as { msg: string }).msg)).toEqual(['turn', 'turn']);
    } finally {
      await storing.service.stop();
    }
  });

  it('ends a stored answer only after its commit (--store)', async () => {
    const storing = await startAnotherFloor('commit', { store: true });
    // Another connection's write lock holds the floor's commit (it waits up to 5 s for it).
    const lock = new SQLite(join(workDir, 'commit', 'floor-turns.db'));
    try {
      for (const stream of [false, true]) {
        lock.exec('BEGIN IMMEDIATE');
        const served = sim.log.length;
        const answer = post(storing.key, ask(stream), storing).then((response) => response.text());
        let ended = false;
        void answer.then(() => (ended = true));
        await expect.poll(() => sim.log.length).toBeGreaterThan(served);
        // The upstream has answered; give the floor time to pass the reply on, were it not waiting.
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(ended).toBe(false);
        lock.exec('COMMIT');
        expect(await answer).toContain(stream ? 'data: [DONE]' : '"chat.completion"');
      }
      const stored = lock.prepare('SELECT count(*) AS turns FROM turns').get() as { turns: number };
      expect(stored.turns).toBe(2);
    } finally {
      lock.close();
      await storing.service.stop();
    }
  });

  it('refuses a --work-us that is not a number of µs', async () => {
    const script = join(repoRoot, 'bench', 'floor-server.mjs');
    const args = ['--port', '1', '--upstream', 'http://127.0.0.1:1/v1', '--upstream-key', 'k', '--key', 'c'];
    const exitCode = (extra: string[]) =>
      new Promise<number | null>((done) => {
        execFile(process.execPath, [script, ...args, ...extra], (error) =>
          done(error ? (error.code as number) : 0),
        );
      });
    expect(await exitCode(['--work-us=-5'])).toBe(2);
    expect(await exitCode(['--work-us', 'lots'])).toBe(2);
  });
});
