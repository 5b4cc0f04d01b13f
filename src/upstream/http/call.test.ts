import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callUpstream, splitUrl, type UpstreamCall } from './call.js';

type Route = (req: IncomingMessage, res: ServerResponse, body: string) => void;

const routes = new Map<string, Route>();
const closedResponses: string[] = [];
let server: Server;
let base: string;
const agent = new Agent({ keepAliveTimeout: 10_000 });

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      res.on('close', () => {
        if (!res.writableFinished) closedResponses.push(req.url ?? '');
      });
      const route = routes.get((req.url ?? '').split('?')[0] ?? '');
      if (route) route(req, res, body);
      else res.writeHead(404).end('no route');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await agent.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const call = (path: string, more: Partial<UpstreamCall> = {}) =>
  callUpstream({
    dispatcher: agent,
    url: `${base}${path}`,
    method: 'GET',
    headers: {},
    headersTimeoutMs: 5_000,
    bodyTimeoutMs: 5_000,
    ...more,
  });

describe('splitUrl', () => {
  it('splits origin and path without losing the query', () => {
    expect(splitUrl('http://127.0.0.1:7001/v1/chat?x=1')).toEqual({
      origin: 'http://127.0.0.1:7001',
      path: '/v1/chat?x=1',
    });
    expect(splitUrl('https://chatgpt.com')).toEqual({ origin: 'https://chatgpt.com', path: '/' });
    expect(splitUrl('https://h.example?q=1')).toEqual({ origin: 'https://h.example', path: '/?q=1' });
  });

  it('refuses a relative URL', () => {
    expect(() => splitUrl('/v1/models')).toThrow(/not an absolute URL/);
  });
});

describe('callUpstream', () => {
  it('sends method, headers and body, and reads status, headers and text', async () => {
    routes.set('/echo', (req, res, body) => {
      res.writeHead(201, { 'content-type': 'application/json', 'x-seen': String(req.headers['x-test']) });
      res.end(JSON.stringify({ method: req.method, body }));
    });
    const response = await call('/echo?a=1', { method: 'POST', headers: { 'x-test': 'yes' }, body: 'hello' });
    expect(response.statusCode).toBe(201);
    expect(response.headers['x-seen']).toBe('yes');
    expect(JSON.parse(await response.body.text())).toEqual({ method: 'POST', body: 'hello' });
  });

  it('resolves (not rejects) on an error status, with its body readable', async () => {
    routes.set('/teapot', (_req, res) => res.writeHead(418).end('short and stout'));
    const response = await call('/teapot');
    expect(response.statusCode).toBe(418);
    expect(await response.body.text()).toBe('short and stout');
  });

  it('iterates a body written in pieces, in order and whole', async () => {
    routes.set('/pieces', (_req, res) => {
      res.writeHead(200);
      let n = 0;
      const timer = setInterval(() => {
        res.write(`piece ${n};`);
        if (++n === 5) {
          clearInterval(timer);
          res.end();
        }
      }, 5);
    });
    const response = await call('/pieces');
    let text = '';
    for await (const chunk of response.body) text += chunk.toString();
    expect(text).toBe('piece 0;piece 1;piece 2;piece 3;piece 4;');
  });

  it('rejects at once with the reason of a signal that is already aborted', async () => {
    let reached = false;
    routes.set('/never', (_req, res) => {
      reached = true;
      res.end();
    });
    const controller = new AbortController();
    controller.abort(new Error('stopped by the caller'));
    await expect(call('/never', { signal: controller.signal })).rejects.toThrow('stopped by the caller');
    await sleep(50);
    expect(reached).toBe(false);
  });

  it('an abort while the body streams fails the reader and closes the connection', async () => {
    routes.set('/endless', (_req, res) => {
      res.writeHead(200);
      const timer = setInterval(() => res.write('tick;'), 5);
      res.on('close', () => clearInterval(timer));
    });
    const controller = new AbortController();
    const response = await call('/endless', { signal: controller.signal });
    const reading = (async () => {
      for await (const chunk of response.body) expect(chunk.length).toBeGreaterThan(0);
    })();
    await sleep(30);
    controller.abort();
    await expect(reading).rejects.toMatchObject({ name: 'AbortError' });
    await expect.poll(() => closedResponses.includes('/endless')).toBe(true);
  });

  it('leaving the loop early aborts the call so the upstream stops', async () => {
    routes.set('/long', (_req, res) => {
      res.writeHead(200);
      const timer = setInterval(() => res.write('more;'), 5);
      res.on('close', () => clearInterval(timer));
    });
    const response = await call('/long');
    for await (const chunk of response.body) {
      expect(chunk.toString()).toContain('more;');
      break;
    }
    expect(response.body.destroyed).toBe(true);
    await expect.poll(() => closedResponses.includes('/long')).toBe(true);
  });

  it('reports undici timeout codes for a silent upstream, before and after the headers', async () => {
    routes.set('/silent', () => undefined);
    await expect(call('/silent', { headersTimeoutMs: 100 })).rejects.toMatchObject({
      code: 'UND_ERR_HEADERS_TIMEOUT',
    });
    routes.set('/stall', (_req, res) => {
      res.writeHead(200);
      res.write('first;');
    });
    const response = await call('/stall', { bodyTimeoutMs: 100 });
    await expect(response.body.text()).rejects.toMatchObject({ code: 'UND_ERR_BODY_TIMEOUT' });
  });

  it('pauses the socket while a slow reader has a lot unread, and loses no byte', async () => {
    const total = 8 * 1024 * 1024;
    routes.set('/big', (_req, res) => {
      res.writeHead(200);
      const piece = Buffer.alloc(16 * 1024, 'x');
      let sent = 0;
      const pump = () => {
        while (sent < total) {
          sent += piece.length;
          if (!res.write(piece)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    const response = await call('/big');
    const first = await response.body.read();
    await sleep(300);
    const afterWait = await response.body.read();
    // Unpaused, loopback would have delivered megabytes in 300 ms; paused, the queue holds about
    // the high-water mark plus the chunk that crossed it.
    expect(afterWait?.length ?? 0).toBeLessThan(512 * 1024);
    let size = (first?.length ?? 0) + (afterWait?.length ?? 0);
    for (let chunk = await response.body.read(); chunk; chunk = await response.body.read())
      size += chunk.length;
    expect(size).toBe(total);
  });

  it('textUpTo() reads an error body up to its limit, stops a longer one, and never rejects', async () => {
    routes.set('/short-error', (_req, res) => res.writeHead(500).end('{"error":"short"}'));
    expect(await (await call('/short-error')).body.textUpTo(1024)).toBe('{"error":"short"}');

    routes.set('/long-error', (_req, res) => {
      res.writeHead(502);
      const timer = setInterval(() => res.write('x'.repeat(4096)), 2);
      res.on('close', () => clearInterval(timer));
    });
    const long = await call('/long-error');
    const text = await long.body.textUpTo(10_000);
    expect(text).toBe('x'.repeat(10_000));
    expect(long.body.destroyed).toBe(true);
    await expect.poll(() => closedResponses.includes('/long-error')).toBe(true);

    routes.set('/stalled-error', (_req, res) => {
      res.writeHead(503);
      res.write('partial');
    });
    const stalled = await call('/stalled-error', { bodyTimeoutMs: 100 });
    expect(await stalled.body.textUpTo(1024)).toBe('partial');
  });

  it('dump() drains a short body so the next call reuses the connection', async () => {
    const ports: number[] = [];
    routes.set('/port', (req, res) => {
      ports.push(req.socket.remotePort ?? 0);
      res.end('some body to drain');
    });
    // One connection per origin: a destroyed one would be replaced by a new one, on a new port.
    const single = new Agent({ connections: 1, keepAliveTimeout: 10_000 });
    try {
      await (await call('/port', { dispatcher: single })).body.dump();
      await (await call('/port', { dispatcher: single })).body.dump();
    } finally {
      await single.close();
    }
    expect(ports).toHaveLength(2);
    expect(ports[1]).toBe(ports[0]);
  });
});
