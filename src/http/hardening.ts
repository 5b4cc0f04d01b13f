/**
 * Wires the edge limits, rate limits and the turn gate into the app (one call from buildApp),
 * and the drain that server.close() runs before closing the app.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { AppDeps } from './deps.js';
import { registerEdgeLimits, resolveLimits, type ResolvedLimits } from './limits.js';
import { createMemoryRateLimitStore } from './rate-limit-memory.js';
import { createRateLimiter, registerRateLimits, type RateLimiter } from './rate-limit.js';
import { createTurnGate, type TurnGate } from './turn-gate.js';
import { serviceUnavailable } from '../errors.js';

export interface Hardening {
  limits: ResolvedLimits;
  gate: TurnGate;
  limiter: RateLimiter;
  /** The deps the routes get: the same, with runtime.chat counted by the gate. */
  deps: AppDeps;
}

export interface RouteEntry {
  method: string;
  url: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    turnGate?: TurnGate;
    /** Every route registered after the hardening layer, for the authorization inventory. */
    routeList?: RouteEntry[];
  }
}

export function createHardening(deps: AppDeps): Hardening {
  const limits = resolveLimits(deps.config.limits);
  const metrics = deps.runtime.metrics;
  const gate = createTurnGate({
    maxConcurrent: limits.max_concurrent_turns,
    onLimited: () => metrics?.rateLimited('overload'),
  });
  const limiter = createRateLimiter({
    store: deps.rateLimitStore ?? createMemoryRateLimitStore(),
    authFailuresPerMinute: limits.auth_failures_per_minute,
    onLimited: (reason) => metrics?.rateLimited(reason),
  });
  const runtime = { ...deps.runtime, chat: gate.wrap(deps.runtime.chat) };
  return { limits, gate, limiter, deps: { ...deps, runtime } };
}

export function registerHardening(app: FastifyInstance, hardening: Hardening): void {
  app.decorate('turnGate', hardening.gate);
  const routes: RouteEntry[] = [];
  app.decorate('routeList', routes);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) routes.push({ method: String(method), url: route.url });
  });
  app.addHook('onRequest', (_request, reply, done) => {
    if (!hardening.gate.draining) return done();
    reply.header('connection', 'close');
    done(serviceUnavailable('The server is shutting down; retry shortly', 5, 'shutting_down'));
  });
  registerEdgeLimits(app, hardening.limits);
  registerRateLimits(app, hardening.limiter);
}

/**
 * Graceful stop: no new connections or turns, running turns get up to graceMs, then the rest
 * are ended (their clients get an error event, their turns are recorded). The caller then
 * closes the app, which waits for the responses to finish.
 */
export async function drainApp(app: FastifyInstance, graceMs: number, logger?: Logger): Promise<void> {
  const gate = app.turnGate;
  if (!gate) return;
  // Stop listening now; fastify's own close() later tolerates the server being closed already.
  if (app.server.listening) app.server.close(() => undefined);
  const inFlight = gate.inFlight();
  const result = await gate.drain(graceMs);
  if (inFlight > 0) logger?.info({ ...result, grace_ms: graceMs }, 'drained open turns');
  app.server.closeIdleConnections();
}
