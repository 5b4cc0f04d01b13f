/** The node:http server: request logging, routing by prefix, socket tracking for close(). */
import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import { routeAuth } from './auth/router.js';
import { BACKEND_PREFIX, routeBackend } from './chatgpt/router.js';
import { SimResponse, bearerToken, readCookie, sendJson } from './http-util.js';
import { OPENAI_PREFIX, routeOpenai } from './openai.js';
import type { RouteContext } from './route-context.js';
import { SESSION_COOKIE } from './auth/tokens.js';
import type { SimState } from './state.js';

function route(ctx: RouteContext): Promise<void> | void {
  const path = ctx.path;
  if (path.startsWith(OPENAI_PREFIX + '/')) return routeOpenai(ctx);
  if (path.startsWith(BACKEND_PREFIX + '/')) return routeBackend(ctx);
  return routeAuth(ctx);
}

function handle(state: SimState, req: IncomingMessage, res: SimResponse): void {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const token =
    bearerToken(req) ?? (path.startsWith('/api/auth/') ? readCookie(req, SESSION_COOKIE) : undefined);
  const entry = {
    method: req.method ?? 'GET',
    path,
    token,
    remoteAddress: req.socket.remoteAddress ?? '',
    status: 0,
  };
  state.pushLog(entry);
  res.logEntry = entry;
  const ctx: RouteContext = { req, res, state, path, rawQuery: q === -1 ? '' : url.slice(q + 1), token };
  const fail = (): void => {
    if (!res.headersSent) sendJson(res, 500, { detail: 'Simulator error' });
    else res.destroy();
  };
  try {
    const pending = route(ctx);
    if (pending) pending.catch(fail);
  } catch {
    fail();
  }
}

export interface RunningServer {
  server: Server<typeof IncomingMessage, typeof SimResponse>;
  /** Destroys every open socket (hung ones too) and stops listening. */
  close(): Promise<void>;
}

export async function startServer(state: SimState): Promise<RunningServer> {
  const sockets = new Set<Socket>();
  const server = createServer({ ServerResponse: SimResponse, keepAliveTimeout: 65_000 }, (req, res) =>
    handle(state, req, res as SimResponse),
  );
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('clientError', (_error, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(state.options.port, state.options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    server,
    close: () =>
      new Promise<void>((resolve) => {
        state.closing.abort();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
