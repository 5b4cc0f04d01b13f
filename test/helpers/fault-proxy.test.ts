import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';

const BODY = 'x'.repeat(4000);

describe('fault proxy', () => {
  let target: http.Server;
  let proxy: FaultProxy;
  beforeAll(async () => {
    target = http.createServer((_req, res) => res.end(BODY));
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    proxy = await startFaultProxy({
      target: { host: '127.0.0.1', port: (target.address() as AddressInfo).port },
    });
  });
  afterAll(async () => {
    await proxy?.close();
    await new Promise((r) => target.close(r));
  });

  const get = (timeoutMs = 2000) =>
    request(proxy.url, { headersTimeout: timeoutMs, bodyTimeout: timeoutMs, reset: true }).then(
      async (res) => ({ status: res.statusCode, body: await res.body.text() }),
    );

  it('passes requests through, and delays them', async () => {
    proxy.setMode({ type: 'pass' });
    await expect(get()).resolves.toEqual({ status: 200, body: BODY });
    proxy.setMode({ type: 'delay', ms: 150 });
    await expect(get()).resolves.toEqual({ status: 200, body: BODY });
  });

  it('hangs: the client times out waiting for headers', async () => {
    proxy.setMode({ type: 'hang' });
    await expect(get(300)).rejects.toThrow(/timeout/i);
  });

  it('resets after N bytes: the client sees a broken body', async () => {
    proxy.setMode({ type: 'reset', afterBytes: 200 });
    await expect(get()).rejects.toThrow();
  });

  it('trickles the answer but delivers all of it', async () => {
    proxy.setMode({ type: 'trickle', bytes: 1500, everyMs: 20 });
    await expect(get()).resolves.toEqual({ status: 200, body: BODY });
  });

  it('refuses connections', async () => {
    proxy.setMode({ type: 'refuse' });
    await expect(get()).rejects.toThrow();
    proxy.setMode({ type: 'pass' });
    await expect(get()).resolves.toMatchObject({ status: 200 });
  });
});
