/** A raw TCP client for requests undici will not send: lying Content-Length, slow bodies, huge headers. */
import net from 'node:net';

export interface RawExchange {
  /** Everything the server sent. */
  text(): string;
  /** Resolves when the server closed the connection (or the wait ran out: `false`). */
  closed(timeoutMs: number): Promise<boolean>;
  /** Resolves when the server's answer contains `pattern` (or the wait ran out: `false`). */
  received(pattern: RegExp, timeoutMs: number): Promise<boolean>;
  write(data: string | Buffer): boolean;
  isOpen(): boolean;
  /** Stop reading (a slow reader: the kernel buffers fill, then the server must wait). */
  pause(): void;
  resume(): void;
  destroy(): void;
}

export async function rawConnect(url: string): Promise<RawExchange> {
  const { hostname, port } = new URL(url);
  const socket = net.connect({ host: hostname, port: Number(port) });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let received = '';
  let isClosed = false;
  const listeners = new Set<() => void>();
  const notify = () => listeners.forEach((fn) => fn());
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString('latin1');
    notify();
  });
  socket.on('error', () => undefined);
  socket.on('close', () => {
    isClosed = true;
    notify();
  });
  const until = (test: () => boolean, timeoutMs: number) =>
    new Promise<boolean>((resolve) => {
      if (test()) return resolve(true);
      const check = () => {
        if (!test()) return;
        clearTimeout(timer);
        listeners.delete(check);
        resolve(true);
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        resolve(false);
      }, timeoutMs);
      listeners.add(check);
    });
  return {
    text: () => received,
    closed: (timeoutMs) => until(() => isClosed, timeoutMs),
    received: (pattern, timeoutMs) => until(() => pattern.test(received), timeoutMs),
    write: (data) => !isClosed && socket.write(data),
    isOpen: () => !isClosed,
    pause: () => socket.pause(),
    resume: () => socket.resume(),
    destroy: () => socket.destroy(),
  };
}
