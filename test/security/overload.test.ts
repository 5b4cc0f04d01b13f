/**
 * Row 30 and the overload cap: many concurrent slow streams with slow readers keep memory
 * bounded, past max_concurrent_turns new turns get 503 + Retry-After, and a reader that stops
 * reading holds the upstream back instead of growing a buffer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../helpers/config.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { rawConnect, type RawExchange } from './raw-http.js';

const STREAMS = 200;
const CAP = 150;

describe('security: overload (row 30)', () => {
  let stack: Stack;
  let key: string;
  beforeAll(async () => {
    const base = testConfig({ dataDir: '' }).limits;
    stack = await startStack({
      accounts: [{ name: 'wide', kind: 'openai', overrides: { max_concurrency: 1000 } }],
      sim: { chunkDelayMs: 200, replyChunks: 40 },
      config: {
        limits: {
          ...base,
          body_limit_bytes: 16 * 1024 * 1024,
          max_concurrent_turns: CAP,
          queue_max: 2000,
        },
      },
    });
    key = await stack.addUser('alice');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const openStream = async (prompt: string): Promise<RawExchange> => {
    const conn = await rawConnect(stack.url);
    conn.write(
      `GET /api/chat?user=${key}&stream=true&model=gpt-4o-mini&prompt=${encodeURIComponent(prompt)} HTTP/1.1\r\nHost: x\r\n\r\n`,
    );
    return conn;
  };

  it(`row 30: ${STREAMS} concurrent slow streams (not 1 000: 2 cores), slow readers; memory bounded; past the cap 503 + Retry-After`, async () => {
    const gate = stack.server.server.app.turnGate;
    const heapBefore = process.memoryUsage().heapUsed;
    const conns = await Promise.all(Array.from({ length: STREAMS }, (_, i) => openStream(`slow ${i}`)));
    let peak = 0;
    const watch = setInterval(() => (peak = Math.max(peak, gate?.inFlight() ?? 0)), 20);
    try {
      // Each stream either starts or is refused at once with 503.
      const answered = await Promise.all(
        conns.map((c) => c.received(/event: start|^HTTP\/1\.1 503 /, 20_000)),
      );
      expect(answered.every(Boolean)).toBe(true);
      const refused = conns.filter((c) => c.text().startsWith('HTTP/1.1 503 '));
      expect(refused.length).toBeGreaterThan(0);
      for (const c of refused) {
        expect(c.text()).toMatch(/retry-after: \d+/i);
        expect(c.text()).toContain('"code":"overloaded"');
      }
      // Other routes keep answering while the turns run.
      expect((await stack.call(`/api/recall?user=${key}`)).status).toBe(200);
      // A generous bound: buffering a few hundred KB per stream would already exceed it.
      expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(150 * 1024 * 1024);
      const running = conns.filter((c) => !refused.includes(c));
      const done = await Promise.all(running.map((c) => c.received(/event: done/, 30_000)));
      expect(done.every(Boolean)).toBe(true);
      expect(peak).toBeLessThanOrEqual(CAP);
      expect(peak).toBeGreaterThan(0);
    } finally {
      clearInterval(watch);
      for (const c of conns) c.destroy();
    }
    // Once they finished, the cap is free again.
    const after = await stack.call(`/api/chat?user=${key}&prompt=after&model=gpt-4o-mini`);
    expect(after.status).toBe(200);
    expect(gate?.inFlight()).toBe(0);
  });

  it('row 30: a reader that stops reading holds the upstream back (backpressure), then gets everything', async () => {
    // An 8 MB reply (the simulator echoes the prompt) is more than the socket buffers hold.
    const prompt = 'p'.repeat(8 * 1024 * 1024);
    const conn = await rawConnect(stack.url);
    const body = JSON.stringify({ user: key, prompt, stream: true, model: 'gpt-4o-mini' });
    conn.pause();
    conn.write(
      `POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    try {
      const store = stack.server.server.store;
      const deadline = Date.now() + 10_000;
      let pending: { id: string; conversation_id: string } | undefined;
      while (!pending && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        const { rows } = await store.conversations.search({
          userId: 'alice',
          status: 'pending',
          limit: 10,
          offset: 0,
        });
        for (const c of rows) {
          const turns = await store.turns.listForConversation(c.id);
          pending ??= turns.find((t) => t.status === 'pending' && t.prompt.length === prompt.length);
        }
      }
      expect(pending).toBeDefined();
      // Nobody reads: after a while the turn is still running, not finished into a buffer.
      await new Promise((r) => setTimeout(r, 1500));
      const [still] = (await store.turns.listForConversation(pending?.conversation_id ?? '')).filter(
        (t) => t.id === pending?.id,
      );
      expect(still?.status).toBe('pending');
      conn.resume();
      expect(await conn.received(/event: done/, 30_000)).toBe(true);
    } finally {
      conn.destroy();
    }
  });
});
