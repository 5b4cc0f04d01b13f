/**
 * A TCP proxy that injects network faults between our server and the upstream simulator:
 * - pass: forwards both ways;
 * - delay: waits `ms` before connecting upstream (client bytes are held meanwhile);
 * - hang: accepts the connection and never answers nor forwards;
 * - reset: forwards `afterBytes` bytes of the upstream's answer, then resets both sides;
 * - trickle: forwards the upstream's answer `bytes` at a time every `everyMs`;
 * - refuse: resets every new connection at once (like a dead port, but on a live one).
 * A mode applies to connections accepted after it is set; setMode drops existing ones so a
 * keep-alive pool cannot carry the old behaviour into the next request.
 */
import net from 'node:net';

export type FaultMode =
  | { type: 'pass' }
  | { type: 'delay'; ms: number }
  | { type: 'hang' }
  | { type: 'reset'; afterBytes: number }
  | { type: 'trickle'; bytes: number; everyMs: number }
  | { type: 'refuse' };

export interface FaultProxy {
  /** http://127.0.0.1:PORT */
  url: string;
  port: number;
  setMode(mode: FaultMode): void;
  /** Connections accepted so far. */
  accepted(): number;
  /** Connections open right now. */
  open(): number;
  close(): Promise<void>;
}

export async function startFaultProxy(options: {
  target: string | { host: string; port: number };
  mode?: FaultMode;
}): Promise<FaultProxy> {
  const target =
    typeof options.target === 'string'
      ? { host: new URL(options.target).hostname, port: Number(new URL(options.target).port) }
      : options.target;
  let mode: FaultMode = options.mode ?? { type: 'pass' };
  let accepted = 0;
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  };
  const later = (ms: number, fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };

  const server = net.createServer((client) => {
    accepted += 1;
    track(client);
    const current = mode;
    if (current.type === 'refuse') return client.resetAndDestroy();
    if (current.type === 'hang') return client.resume(); // read and drop: never answers
    client.pause();
    const connect = () => {
      if (client.destroyed) return;
      const upstream = net.connect(target);
      track(upstream);
      client.once('close', () => upstream.destroy());
      upstream.once('connect', () => {
        client.pipe(upstream);
        client.resume();
      });
      forwardAnswer(upstream, client, current);
    };
    if (current.type === 'delay') later(current.ms, connect);
    else connect();
  });

  function forwardAnswer(upstream: net.Socket, client: net.Socket, current: FaultMode): void {
    if (current.type === 'reset') {
      let sent = 0;
      upstream.once('close', () => client.destroy());
      upstream.on('data', (chunk: Buffer) => {
        const room = current.afterBytes - sent;
        if (room > 0) client.write(chunk.subarray(0, room));
        sent += chunk.length;
        if (sent >= current.afterBytes && !upstream.destroyed) {
          upstream.resetAndDestroy();
          // Let the last allowed bytes leave before the reset.
          client.end(() => client.resetAndDestroy());
        }
      });
      return;
    }
    if (current.type === 'trickle') {
      const queue: Buffer[] = [];
      let ticking = false;
      let upstreamClosed = false;
      const tick = () => {
        const head = queue.shift();
        if (!head || client.destroyed) {
          ticking = false;
          if (upstreamClosed) client.end();
          return;
        }
        client.write(head.subarray(0, current.bytes));
        if (head.length > current.bytes) queue.unshift(head.subarray(current.bytes));
        later(current.everyMs, tick);
      };
      upstream.on('data', (chunk: Buffer) => {
        queue.push(chunk);
        if (!ticking) {
          ticking = true;
          tick();
        }
      });
      upstream.once('close', () => {
        upstreamClosed = true;
        if (!ticking) client.end();
      });
      return;
    }
    upstream.once('close', () => client.destroy());
    upstream.pipe(client);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    setMode(next) {
      mode = next;
      for (const socket of sockets) socket.destroy();
    },
    accepted: () => accepted,
    open: () => [...sockets].filter((s) => !s.destroyed).length,
    async close() {
      for (const timer of timers) clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
