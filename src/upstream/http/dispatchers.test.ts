import { createServer, type Server } from 'node:http';
import { connect as netConnect, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { describeWithBinary } from '../../../test/helpers/binaries.js';
import { startMicrosocks, type Microsocks } from '../../../test/helpers/socks.js';
import { createDispatcherRegistry, type DispatcherRegistry } from './dispatchers.js';
import { classifyTransportError } from './transport-errors.js';

let server: Server;
let serverUrl = '';
const seenFrom: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seenFrom.push(req.socket.remoteAddress ?? '');
    res.end(`you asked ${req.url}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  serverUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

let registry: DispatcherRegistry;
afterEach(async () => {
  await registry?.close();
});

const fetchText = async (dispatcher: ReturnType<DispatcherRegistry['get']>, path = '/hi') => {
  const response = await request(`${serverUrl}${path}`, {
    dispatcher,
    signal: AbortSignal.timeout(10_000),
    headersTimeout: 5_000,
    bodyTimeout: 5_000,
  });
  return response.body.text();
};

describe('createDispatcherRegistry', () => {
  it('reuses one dispatcher per distinct proxy URL', () => {
    registry = createDispatcherRegistry({ connectTimeoutMs: 2_000 });
    expect(registry.get()).toBe(registry.get(undefined));
    expect(registry.get('')).toBe(registry.get());
    const socks = registry.get('socks5://127.0.0.1:1080');
    expect(registry.get('socks5://127.0.0.1:1080')).toBe(socks);
    expect(registry.get('socks5h://127.0.0.1:1080')).not.toBe(socks);
    expect(registry.get('http://127.0.0.1:3128')).not.toBe(socks);
    expect(socks).not.toBe(registry.get());
  });

  it('rejects bad proxy URLs without echoing credentials', () => {
    registry = createDispatcherRegistry({ connectTimeoutMs: 2_000 });
    expect(() => registry.get('ftp://bob:hunter2@host:21')).toThrow(/unsupported scheme "ftp"/);
    expect(() => registry.get('ftp://bob:hunter2@host:21')).not.toThrow(/hunter2/);
  });

  it('connects directly without a proxy', async () => {
    registry = createDispatcherRegistry({ connectTimeoutMs: 2_000 });
    expect(await fetchText(registry.get(), '/direct')).toBe('you asked /direct');
    expect(seenFrom.at(-1)).toBe('127.0.0.1');
  });

  it('refuses use after close', async () => {
    registry = createDispatcherRegistry({ connectTimeoutMs: 2_000 });
    registry.get();
    await registry.close();
    expect(() => registry.get()).toThrow(/closed/);
  });
});

/** A minimal CONNECT proxy (what squid/tinyproxy do for us in production) that demands Basic auth. */
async function startConnectProxy(user: string, password: string) {
  const tunnels: string[] = [];
  const expected = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const proxy = createServer((_req, res) => res.writeHead(405).end());
  proxy.on('connect', (req, client: Socket, head: Buffer) => {
    if (req.headers['proxy-authorization'] !== expected) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\n\r\n');
      return;
    }
    tunnels.push(req.url ?? '');
    const [host = '', port = '0'] = (req.url ?? '').split(':');
    const upstream = netConnect({ host, port: Number(port) }, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client).pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const address = proxy.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    tunnels,
    close: () => new Promise<void>((resolve) => proxy.close(() => resolve())),
  };
}

describe('http proxies', () => {
  it('tunnels through an http:// proxy with credentials and fails with network on wrong ones', async () => {
    const proxy = await startConnectProxy('bob', 'pa:ss');
    registry = createDispatcherRegistry({ connectTimeoutMs: 2_000 });
    try {
      const good = registry.get(`http://bob:pa%3Ass@127.0.0.1:${proxy.port}`);
      expect(await fetchText(good, '/via-http-proxy')).toBe('you asked /via-http-proxy');
      expect(proxy.tunnels).toEqual([new URL(serverUrl).host]);
      const bad = registry.get(`http://bob:nope@127.0.0.1:${proxy.port}`);
      const error = await fetchText(bad).catch((e: unknown) => e);
      expect(classifyTransportError(error)).toBe('network');
    } finally {
      await registry.close();
      await proxy.close();
    }
  });
});

describeWithBinary('microsocks', 'dispatchers through a real SOCKS5 proxy', () => {
  let proxy: Microsocks | undefined;
  afterEach(async () => {
    await proxy?.stop();
    proxy = undefined;
  });

  for (const scheme of ['socks5', 'socks5h'] as const) {
    it(`${scheme}: traffic leaves from the proxy's bind address`, async () => {
      proxy = await startMicrosocks({ bindAddress: '127.0.0.2' });
      registry = createDispatcherRegistry({ connectTimeoutMs: 2_000 });
      const url = proxy.url.replace('socks5:', `${scheme}:`);
      expect(await fetchText(registry.get(url), `/via-${scheme}`)).toBe(`you asked /via-${scheme}`);
      expect(seenFrom.at(-1)).toBe('127.0.0.2');
    });
  }

  it('resolves host names (socks5h lets the proxy resolve localhost)', async () => {
    proxy = await startMicrosocks({ bindAddress: '127.0.0.2' });
    registry = createDispatcherRegistry({ connectTimeoutMs: 2_000 });
    const response = await request(serverUrl.replace('127.0.0.1', 'localhost') + '/named', {
      dispatcher: registry.get(proxy.url.replace('socks5:', 'socks5h:')),
      signal: AbortSignal.timeout(10_000),
    });
    expect(await response.body.text()).toBe('you asked /named');
    expect(seenFrom.at(-1)).toBe('127.0.0.2');
  });

  it('authenticates with user and password', async () => {
    proxy = await startMicrosocks({ user: 'alice', password: 'p@ss:word', bindAddress: '127.0.0.2' });
    registry = createDispatcherRegistry({ connectTimeoutMs: 2_000 });
    expect(proxy.url).toContain('alice:p%40ss%3Aword@');
    expect(await fetchText(registry.get(proxy.url), '/auth')).toBe('you asked /auth');
    expect(seenFrom.at(-1)).toBe('127.0.0.2');
  });

  it('fails with a network error when the socks password is wrong', async () => {
    proxy = await startMicrosocks({ user: 'alice', password: 'right' });
    registry = createDispatcherRegistry({ connectTimeoutMs: 2_000 });
    const error = await fetchText(registry.get(`socks5://alice:wrong@127.0.0.1:${proxy.port}`)).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect(classifyTransportError(error)).toBe('network');
  });

  it('fails fast with a network error when the proxy is down', async () => {
    proxy = await startMicrosocks();
    const url = proxy.url;
    await proxy.stop();
    proxy = undefined;
    registry = createDispatcherRegistry({ connectTimeoutMs: 2_000 });
    // The 10 s signal bounds the wait: a hang would surface as 'cancelled', not 'network'.
    const error = await fetchText(registry.get(url)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(classifyTransportError(error)).toBe('network');
  });
});
