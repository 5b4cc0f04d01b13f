/**
 * Server-sent events for any stream of events. Headers are sent with the first event, so a
 * failure before it still becomes a real HTTP status (thrown to the one error handler); a
 * failure after it becomes a final error event. Writes respect backpressure: a slow reader
 * slows the upstream read instead of growing a buffer.
 */
import { once } from 'node:events';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../errors.js';
import { toAppError } from '../errors.js';
import { streamOverheadHeader, trackOpenStream } from '../request-metrics.js';

export interface SseFormat<E> {
  /** Text of the SSE frame(s) for an event ('' to skip it). */
  frame(event: E): string;
  /** The frame for a failure after the stream started. */
  errorFrame(error: AppError): string;
  /** Frames sent after the last event (e.g. `data: [DONE]`). */
  end?: string;
}

export const sseFrame = (data: unknown, event?: string): string =>
  `${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;

export async function sendSse<E>(
  request: FastifyRequest,
  reply: FastifyReply,
  events: AsyncIterable<E>,
  format: SseFormat<E>,
): Promise<FastifyReply> {
  const raw = reply.raw;
  let started = false;
  const write = async (text: string) => {
    if (!text || raw.destroyed) return;
    if (raw.write(text)) return;
    // The listener of the event that did not happen must go too, or each blocked write leaks one.
    const settled = new AbortController();
    await Promise.race([
      once(raw, 'drain', { signal: settled.signal }),
      once(raw, 'close', { signal: settled.signal }),
    ]).finally(() => settled.abort());
  };
  const iterator = events[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await iterator.next();
      if (next.done) break;
      if (!started) {
        started = true;
        reply.hijack();
        trackOpenStream(request, reply);
        raw.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache, no-transform',
          connection: 'keep-alive',
          'x-accel-buffering': 'no',
          'x-request-id': String(request.id),
          ...streamOverheadHeader(request, reply),
          ...corsHeaders(reply),
        });
      }
      await write(format.frame(next.value));
      if (raw.destroyed) {
        await iterator.return?.();
        return reply;
      }
    }
  } catch (error) {
    if (!started) throw error;
    const appError =
      toAppError(error) ??
      new AppError(500, 'internal_error', `Internal server error (request id ${request.id})`);
    if (appError.status >= 500 && !toAppError(error)) request.log.error({ err: error }, 'stream failed');
    await write(format.errorFrame(appError));
  }
  if (!started) {
    reply.hijack();
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'x-request-id': String(request.id),
      ...corsHeaders(reply),
    });
  }
  if (format.end) await write(format.end);
  raw.end();
  return reply;
}

/** Headers already set on the reply by hooks (CORS) must survive the hijack. */
function corsHeaders(reply: FastifyReply): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (
      value !== undefined &&
      (name.startsWith('access-control-') || name === 'vary' || name.startsWith('x-'))
    )
      out[name] = String(value);
  }
  return out;
}
