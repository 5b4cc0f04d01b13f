import type { ServerResponse } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../errors.js';
import type { TurnGate } from '../turn-gate.js';
import { sendSse, sseFrame, type SseFormat } from './sse.js';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A real server whose one route streams `events`; it records what each socket write carried. */
async function serve(events: (raw: ServerResponse) => AsyncIterable<string>, turnsRunning = 1) {
  return serveWith(events, {}, turnsRunning);
}

/** The app's turn gate as sendSse sees it: only its count of running turns matters here. */
const gateWith = (turnsRunning: number): TurnGate => ({
  wrap: (service) => service,
  inFlight: () => turnsRunning,
  draining: false,
  drain: () => Promise.resolve({ finished: 0, ended: 0 }),
});

/** `HOLD` is the event after which the tail follows (it has no frame of its own). */
async function serveWith(
  events: (raw: ServerResponse) => AsyncIterable<string>,
  extra: Pick<SseFormat<string>, 'holdsTail' | 'headers'>,
  turnsRunning = 1,
) {
  const writes: string[] = [];
  const app = Fastify();
  app.decorate('turnGate', gateWith(turnsRunning));
  // As the app's request-metrics plugin does: no turn timing on this route.
  app.decorateRequest('turnTiming', null);
  app.get('/', async (request, reply) => {
    const raw = reply.raw;
    const write = raw.write.bind(raw) as (chunk: string) => boolean;
    raw.write = ((chunk: string) => (writes.push(String(chunk)), write(chunk))) as typeof raw.write;
    const end = raw.end.bind(raw) as (chunk?: string) => typeof raw;
    raw.end = ((chunk?: string) => (writes.push(`END ${chunk ?? ''}`), end(chunk))) as typeof raw.end;
    return sendSse(request, reply, events(raw), {
      frame: (event) => (event === 'HOLD' ? '' : sseFrame(event)),
      errorFrame: (error) => sseFrame({ error: error.code }),
      end: sseFrame('[DONE]'),
      ...extra,
    });
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { app, writes, url: `http://127.0.0.1:${port}/` };
}

describe('sendSse', () => {
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('writes the first event at once, then the events of one tick together, and the last ones with the end', async () => {
    const server = await serve(async function* () {
      yield 'a';
      yield 'b';
      yield 'c';
      await pause(20);
      yield 'd';
      yield 'e';
    });
    app = server.app;
    const text = await (await fetch(server.url)).text();
    expect(text).toBe(['a', 'b', 'c', 'd', 'e', '[DONE]'].map((e) => sseFrame(e)).join(''));
    expect(server.writes).toEqual([
      sseFrame('a'),
      sseFrame('b') + sseFrame('c'),
      `END ${sseFrame('d')}${sseFrame('e')}${sseFrame('[DONE]')}`,
    ]);
  });

  it('with other turns running, lets the first frame wait for the events of its tick: one write fewer', async () => {
    const stream = async function* () {
      yield 'a';
      yield 'b';
      await pause(20);
      yield 'c';
    };
    const busy = await serve(stream, 3);
    app = busy.app;
    expect(await (await fetch(busy.url)).text()).toBe(
      ['a', 'b', 'c', '[DONE]'].map((e) => sseFrame(e)).join(''),
    );
    expect(busy.writes).toEqual([sseFrame('a') + sseFrame('b'), `END ${sseFrame('c')}${sseFrame('[DONE]')}`]);
    await app.close();

    const alone = await serve(stream, 1);
    app = alone.app;
    await (await fetch(alone.url)).text();
    expect(alone.writes).toEqual([sseFrame('a'), sseFrame('b'), `END ${sseFrame('c')}${sseFrame('[DONE]')}`]);
  });

  it('with other turns running and the whole reply in one tick, sends it all with the end', async () => {
    const server = await serveWith(
      async function* () {
        yield 'a';
        yield 'b';
        yield 'HOLD';
        await pause(20); // a turn being saved
        yield 'c';
      },
      { holdsTail: (event) => event === 'HOLD' },
      2,
    );
    app = server.app;
    expect(await (await fetch(server.url)).text()).toBe(
      ['a', 'b', 'c', '[DONE]'].map((e) => sseFrame(e)).join(''),
    );
    expect(server.writes).toEqual([`END ${['a', 'b', 'c', '[DONE]'].map((e) => sseFrame(e)).join('')}`]);
  });

  it('from the event holdsTail names on, keeps the unwritten frames for the end of the response', async () => {
    const holdsTail = (event: string) => event === 'HOLD';
    const stream = async function* () {
      yield 'a';
      await pause(20);
      yield 'b';
      yield 'HOLD';
      await pause(20); // a turn being saved
      yield 'c';
      await pause(20);
      yield 'd';
    };
    const server = await serveWith(stream, { holdsTail });
    app = server.app;
    const text = await (await fetch(server.url)).text();
    expect(text).toBe(['a', 'b', 'c', 'd', '[DONE]'].map((e) => sseFrame(e)).join(''));
    expect(server.writes).toEqual([
      sseFrame('a'),
      `END ${['b', 'c', 'd', '[DONE]'].map((e) => sseFrame(e)).join('')}`,
    ]);
  });

  it('does not start the response on the event holdsTail names: the headers come from the next', async () => {
    const server = await serveWith(
      async function* () {
        yield 'HOLD';
        await pause(5);
        yield 'done';
      },
      { holdsTail: (event) => event === 'HOLD', headers: (first) => ({ 'x-first': first }) },
    );
    app = server.app;
    const response = await fetch(server.url);
    expect(response.headers.get('x-first')).toBe('done');
    expect(await response.text()).toBe(sseFrame('done') + sseFrame('[DONE]'));
  });

  it('hands the first frame to the kernel before it asks for the next event', async () => {
    let seen: { writes: number; queued: number | undefined; corked: number | undefined } | undefined;
    const server = await serve(async function* (raw) {
      yield 'a';
      // Node corks a response until the next tick: unsent, the frame would wait for this work.
      seen = {
        writes: server.writes.length,
        queued: raw.socket?.writableLength,
        corked: raw.socket?.writableCorked,
      };
      yield 'b';
    });
    app = server.app;
    expect(await (await fetch(server.url)).text()).toBe(sseFrame('a') + sseFrame('b') + sseFrame('[DONE]'));
    expect(seen).toEqual({ writes: 1, queued: 0, corked: 0 });
  });

  it('handles a failure that comes while the first frame waits for the socket to drain', async () => {
    const big = 'x'.repeat(8 * 1024 * 1024); // more than the kernel takes at once: the write waits
    const server = await serve(async function* () {
      yield big;
      throw new AppError(502, 'upstream_failed', 'gone');
    });
    app = server.app;
    const text = await (await fetch(server.url)).text();
    expect(text).toBe(sseFrame(big) + sseFrame({ error: 'upstream_failed' }) + sseFrame('[DONE]'));
  });

  it('sends the frames before a failure, then the error frame, and ends the stream', async () => {
    const server = await serve(async function* () {
      yield 'a';
      await pause(20);
      yield 'b';
      throw new AppError(502, 'upstream_failed', 'gone');
    });
    app = server.app;
    const response = await fetch(server.url);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toBe(
      sseFrame('a') + sseFrame('b') + sseFrame({ error: 'upstream_failed' }) + sseFrame('[DONE]'),
    );
  });

  it('still answers with a real status when the stream fails before its first event', async () => {
    const server = await serve(async function* () {
      await pause(1);
      throw new AppError(429, 'rate_limited', 'slow down');
      yield 'never';
    });
    app = server.app;
    expect((await fetch(server.url)).status).toBe(429);
  });
});
