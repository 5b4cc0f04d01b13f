/**
 * Server-sent events for any stream of events. Headers are sent with the first event, so a
 * failure before it still becomes a real HTTP status (thrown to the one error handler); a
 * failure after it becomes a final error event. Writes respect backpressure: a slow reader
 * slows the upstream read instead of growing a buffer. The frames of events that arrive in the
 * same tick go out in one write, and the last ones with the end of the response (from the event
 * `holdsTail` names on, nothing is written before the end): a stream is a few socket writes, not
 * one per event (corking the socket instead lost frames on Node 22). The first frame is the
 * exception when no other turn runs: it is written at once, for the first byte.
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
  /**
   * True for an event after which the last events follow shortly (a turn being saved): frames not
   * written yet wait for them and leave with the end of the response, one write instead of two.
   */
  holdsTail?(event: E): boolean;
  /** Extra response headers, from the first event (they are sent with it). */
  headers?(first: E): Record<string, string> | undefined;
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
  /** Frames of events that arrived in this tick, written together (one syscall, not one each). */
  let unsent = '';
  let firstFrameSeen = false;
  let holding = false;
  try {
    let coming = iterator.next();
    for (;;) {
      const next = unsent && !holding ? await unlessLater(coming) : await coming;
      if (next === LATER) {
        await write(unsent);
        unsent = '';
        if (raw.destroyed) {
          await iterator.return?.();
          return reply;
        }
        continue;
      }
      if (next.done) break;
      const holds = format.holdsTail?.(next.value) === true;
      if (holds) holding = true;
      // Such an event does not start the response: its headers come from the events after it.
      if (!started && !holds) {
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
          ...format.headers?.(next.value),
        });
      }
      unsent += format.frame(next.value);
      if (!firstFrameSeen && unsent) {
        firstFrameSeen = true;
        // The first frame goes out at once when no other turn runs: waiting for company would
        // delay the first byte. Node corks a response's socket until the next tick, which comes
        // only after every promise job: the next events' work would run first. So it is
        // uncorked, and sent (drained, if the reader is slow) before the next event is asked for.
        // With other turns running it waits like any frame, for the events of its tick: when a
        // whole reply came in one read, that is one socket write a stream fewer.
        if (runsAlone(request)) {
          const sent = write(unsent);
          raw.socket?.uncork();
          unsent = '';
          await sent;
        }
      }
      coming = iterator.next();
    }
  } catch (error) {
    if (!started) throw error;
    const appError =
      toAppError(error) ??
      new AppError(500, 'internal_error', `Internal server error (request id ${request.id})`);
    if (appError.status >= 500 && !toAppError(error)) request.log.error({ err: error }, 'stream failed');
    unsent += format.errorFrame(appError);
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
  const last = unsent + (format.end ?? '');
  if (last && !raw.destroyed) raw.end(last);
  else raw.end();
  return reply;
}

const LATER = Symbol('later');

/** True unless another turn runs beside this request's (the app's turn gate counts them). */
function runsAlone(request: FastifyRequest): boolean {
  return (request.server.turnGate?.inFlight() ?? 0) <= 1;
}

/** The next event if it comes within this tick (before the event loop's check phase), else LATER. */
function unlessLater<T>(next: Promise<T>): Promise<T | typeof LATER> {
  return new Promise((resolve, reject) => {
    const later = setImmediate(() => resolve(LATER));
    next.then(
      (value) => {
        clearImmediate(later);
        resolve(value);
      },
      (error: unknown) => {
        clearImmediate(later);
        reject(error);
      },
    );
  });
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
