/**
 * Per-request metrics and the X-Gateway-Overhead-Ms header. Each route gets its own recorder
 * when it is registered (onRoute), so a request costs a counter increment and a histogram
 * observation, with no label lookup. Chat routes pass `chatContext(request)` to the chat service,
 * which fills in the upstream timings the overhead header is computed from.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, onResponseHookHandler } from 'fastify';
import type { ChatInput, TurnTiming } from '../chat/types.js';
import type { Metrics } from '../metrics/index.js';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics;
  }
  interface FastifyRequest {
    /** Set by chatContext() on requests that run a chat turn. */
    turnTiming: TurnTiming | null;
  }
}

export const OVERHEAD_HEADER = 'x-gateway-overhead-ms';
const RECORDER = Symbol('request metrics recorder');

/** Call before any route is registered. */
export function registerRequestMetrics(app: FastifyInstance, metrics: Metrics): void {
  app.decorate('metrics', metrics);
  app.decorateRequest('turnTiming', null);
  app.addHook('onRoute', (route) => {
    const existing = route.onResponse === undefined ? [] : [route.onResponse].flat();
    // Fastify re-registers a GET route's options as its HEAD route: record once per request.
    if (existing.some((hook) => RECORDER in hook)) return;
    const recorder = metrics.route(route.url);
    const record: onResponseHookHandler = (request, reply, done) => {
      recorder.record(request.method, reply.statusCode, reply.elapsedTime);
      const overhead = request.turnTiming?.overheadMs;
      if (overhead !== undefined) recorder.overhead(overhead);
      done();
    };
    Object.defineProperty(record, RECORDER, { value: true });
    route.onResponse = [...existing, record];
  });
  app.addHook('onSend', (request, reply, payload, done) => {
    if (request.turnTiming !== null && !reply.hasHeader(OVERHEAD_HEADER)) {
      const timing = request.turnTiming;
      timing.overheadMs = Math.max(0, reply.elapsedTime - (timing.upstreamMs ?? 0));
      reply.header(OVERHEAD_HEADER, timing.overheadMs.toFixed(1));
    }
    done(null, payload);
  });
}

/** What a chat route passes to the chat service: the request's logger and a timing holder. */
export function chatContext(request: FastifyRequest): Pick<ChatInput, 'logger' | 'timing'> {
  request.turnTiming ??= {};
  return { logger: request.log, timing: request.turnTiming };
}

/**
 * For sendSse when it sends the headers (at the first event): the overhead up to the first byte,
 * i.e. time since the request arrived minus the upstream's time to first byte.
 */
export function streamOverheadHeader(request: FastifyRequest, reply: FastifyReply): Record<string, string> {
  const timing = request.turnTiming;
  if (timing === null) return {};
  timing.overheadMs = Math.max(0, reply.elapsedTime - (timing.upstreamFirstByteMs ?? 0));
  return { [OVERHEAD_HEADER]: timing.overheadMs.toFixed(1) };
}

/** Counts an open SSE stream until its connection closes; a client that left is counted as 499. */
export function trackOpenStream(request: FastifyRequest, reply: FastifyReply): void {
  const metrics = request.server.metrics as Metrics | undefined;
  if (!metrics) return;
  metrics.streamOpened();
  reply.raw.once('close', () => {
    metrics.streamClosed();
    // A finished response is counted by the onResponse hook; fastify never sees one cut short.
    if (!reply.raw.writableFinished)
      metrics.route(request.routeOptions.url ?? request.url).record(request.method, 499, reply.elapsedTime);
  });
}
