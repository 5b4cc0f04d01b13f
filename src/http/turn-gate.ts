/**
 * The cap on upstream turns running at once (every front door goes through runtime.chat), and
 * the drain on shutdown: refuse new turns, let running ones finish up to a deadline, then abort
 * the rest so their streams end with an error event and their turns are recorded.
 */
import type { ChatService } from '../chat/service.js';
import type { ChatEvent, ChatInput } from '../chat/types.js';
import { serviceUnavailable } from '../errors.js';

export interface TurnGate {
  /** The same service, with every turn counted against the cap. */
  wrap(service: ChatService): ChatService;
  inFlight(): number;
  readonly draining: boolean;
  /**
   * Stops new turns, waits up to graceMs for running ones, aborts the rest and waits (bounded)
   * for them to settle. Returns how many finished on their own and how many were ended.
   */
  drain(graceMs: number): Promise<{ finished: number; ended: number }>;
}

const RETRY_AFTER_SECONDS = 5;
/** After aborting, how long to wait for the aborted turns to record themselves. */
const SETTLE_MS = 5_000;

const shuttingDown = () =>
  serviceUnavailable('The server is shutting down; retry shortly', RETRY_AFTER_SECONDS, 'shutting_down');

export function createTurnGate(options: { maxConcurrent: number; onLimited?: () => void }): TurnGate {
  const running = new Set<AbortController>();
  const waiters = new Set<() => void>();
  let draining = false;

  const settled = () => {
    for (const wake of waiters) wake();
  };
  const untilIdle = (ms: number) =>
    new Promise<void>((resolve) => {
      if (running.size === 0) return resolve();
      const done = () => {
        clearTimeout(timer);
        waiters.delete(check);
        resolve();
      };
      const check = () => {
        if (running.size === 0) done();
      };
      const timer = setTimeout(done, ms);
      waiters.add(check);
    });

  async function* gated(service: ChatService, input: ChatInput): AsyncGenerator<ChatEvent, void, undefined> {
    if (draining) throw shuttingDown();
    if (running.size >= options.maxConcurrent) {
      options.onLimited?.();
      throw serviceUnavailable(
        'The server is at its limit of concurrent requests; retry shortly',
        RETRY_AFTER_SECONDS,
        'overloaded',
      );
    }
    const stop = new AbortController();
    // Linked by hand: AbortSignal.any() costs a weak reference and a finalizer per turn.
    const follow = () => stop.abort(input.signal.reason);
    if (input.signal.aborted) follow();
    else input.signal.addEventListener('abort', follow, { once: true });
    running.add(stop);
    try {
      yield* service.chat({ ...input, signal: stop.signal });
    } catch (error) {
      if (stop.signal.aborted && !input.signal.aborted) throw shuttingDown();
      throw error;
    } finally {
      input.signal.removeEventListener('abort', follow);
      running.delete(stop);
      settled();
    }
  }

  return {
    wrap: (service) => ({ ...service, chat: (input) => gated(service, input) }),
    inFlight: () => running.size,
    get draining() {
      return draining;
    },
    async drain(graceMs) {
      draining = true;
      const before = running.size;
      await untilIdle(graceMs);
      const ended = running.size;
      for (const stop of running) stop.abort(new Error('server shutting down'));
      await untilIdle(SETTLE_MS);
      return { finished: before - ended, ended };
    },
  };
}
