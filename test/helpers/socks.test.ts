import { createServer, connect, type Server } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SocksClient } from 'socks';
import { describeWithBinary, findBinary, hasBinary } from './binaries.js';
import { startMicrosocks } from './socks.js';

it('findBinary finds executables on PATH and not made-up names', () => {
  expect(findBinary('sh')).toMatch(/\/sh$/);
  expect(hasBinary('definitely-not-a-real-binary-xyz')).toBe(false);
});

describeWithBinary('microsocks', 'startMicrosocks', () => {
  let target: Server;
  let targetPort = 0;
  const seenFrom: string[] = [];

  beforeAll(async () => {
    target = createServer((socket) => {
      seenFrom.push(socket.remoteAddress ?? '');
      socket.end('hello');
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    const address = target.address();
    targetPort = typeof address === 'object' && address ? address.port : 0;
  });
  afterAll(() => new Promise<void>((resolve) => target.close(() => resolve())));

  const fetchThrough = async (port: number, auth?: { userId: string; password: string }) => {
    const { socket } = await SocksClient.createConnection({
      command: 'connect',
      proxy: { host: '127.0.0.1', port, type: 5, ...auth },
      destination: { host: '127.0.0.1', port: targetPort },
      timeout: 5_000,
    });
    return new Promise<string>((resolve, reject) => {
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
  };

  it('relays connections from the bind address and stops', async () => {
    const proxy = await startMicrosocks({ bindAddress: '127.0.0.2' });
    expect(proxy.url).toBe(`socks5://127.0.0.1:${proxy.port}`);
    expect(await fetchThrough(proxy.port)).toBe('hello');
    expect(seenFrom.at(-1)).toBe('127.0.0.2');
    await proxy.stop();
    const refused = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port: proxy.port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(false);
      });
      socket.once('error', () => resolve(true));
    });
    expect(refused).toBe(true);
  });

  it('requires the configured user and password', async () => {
    const proxy = await startMicrosocks({ user: 'alice', password: 's3cret' });
    try {
      expect(proxy.url).toBe(`socks5://alice:s3cret@127.0.0.1:${proxy.port}`);
      expect(await fetchThrough(proxy.port, { userId: 'alice', password: 's3cret' })).toBe('hello');
      await expect(fetchThrough(proxy.port, { userId: 'alice', password: 'wrong' })).rejects.toThrow();
    } finally {
      await proxy.stop();
    }
  });
});
