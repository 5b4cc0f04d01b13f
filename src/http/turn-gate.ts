/**
 * The cap on upstream turns running at once (every front door goes through runtime.chat), and
 * the drain on shutdown: refuse new turns, let running ones finish up to a deadline, then abort
 * the rest so their streams end with an error event and their turns are recorded.
 */
import type { ChatService } from '../chat/service.js';
import type { ChatEvent, ChatInput } from '../chat/types.js';
import { serviceUnavailable } from '../errors.js';
import { swapRemove } from '../swap-remove.js';

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
  const running = createRunningList();
  const waiters = new Set<() => void>();
  let draining = false;

  const settled = () => {
    for (const wake of waiters) wake();
  };
  const untilIdle = (ms: number) =>
    new Promise<void>((resolve) => {
      if (running.size() === 0) return resolve();
      const done = () => {
        clearTimeout(timer);
        waiters.delete(check);
        resolve();
      };
      const check = () => {
        if (running.size() === 0) done();
      };
      const timer = setTimeout(done, ms);
      waiters.add(check);
    });

  /** Admits a turn (or throws 503); a drain ends it through the caller's own `stop`. */
  function admit(input: ChatInput): Admission {
    if (draining) throw shuttingDown();
    if (running.size() >= options.maxConcurrent) {
      options.onLimited?.();
      throw serviceUnavailable(
        'The server is at its limit of concurrent requests; retry shortly',
        RETRY_AFTER_SECONDS,
        'overloaded',
      );
    }
    const admission: Admission = {
      drained: false,
      slot: -1,
      end(reason) {
        admission.drained = true;
        input.stop(reason);
      },
      release() {
        running.remove(admission);
        settled();
      },
    };
    running.add(admission);
    return admission;
  }

  return {
    wrap: (service) => ({ ...service, chat: (input) => new GatedTurn(service, input, admit) }),
    inFlight: () => running.size(),
    get draining() {
      return draining;
    },
    async drain(graceMs) {
      draining = true;
      const before = running.size();
      await untilIdle(graceMs);
      const ended = running.size();
      for (const admission of running.all()) admission.end(new Error('server shutting down'));
      await untilIdle(SETTLE_MS);
      return { finished: before - ended, ended };
    },
  };
}

/** A running turn as the gate sees it: how a drain ends it, and whether one did. */
interface Admission {
  /** Set when a drain ended the turn (its failure is then "shutting down", not the caller's). */
  drained: boolean;
  /** Where it is in the running list (-1 once released). */
  slot: number;
  end(reason: unknown): void;
  release(): void;
}

/**
 * The running turns, in an array where a released turn's slot takes the last one. Not a Set: V8
 * replaces a Set's hash table as entries come and go, and a replaced table keeps the entries it
 * held and a link to its successor. Once one table had reached the old generation, every later
 * table, and every admitted turn with its whole request, was kept alive by the scavenger and
 * promoted: at 16 connections ~0.5 MB more per scavenge and twice the full collections
 * (docs/performance-rounds.md, the eleventh round).
 */
function createRunningList() {
  const list: Admission[] = [];
  return {
    size: (): number => list.length,
    add(admission: Admission): void {
      admission.slot = list.length;
      list.push(admission);
    },
    remove(admission: Admission): void {
      const { slot } = admission;
      if (slot < 0 || list[slot] !== admission) return;
      const moved = swapRemove(list, slot);
      if (moved) moved.slot = slot;
      admission.slot = -1;
    },
    /** A copy: ending a turn may release it while the caller walks the list. */
    all: (): Admission[] => [...list],
  };
}

/**
 * A turn's events through the gate: admitted at the first `next()` (so a refusal is thrown where
 * an async generator would throw it), released when the events end, fail or are returned.
 * Written out rather than as an async generator around `yield*`, which cost every event three
 * more promise hops (a visible share of a request's CPU).
 */
class GatedTurn implements AsyncGenerator<ChatEvent, void, undefined> {
  #events: AsyncGenerator<ChatEvent, void, undefined> | undefined;
  #admission: Admission | undefined;
  #finished = false;

  constructor(
    private readonly service: ChatService,
    private readonly input: ChatInput,
    private readonly admit: (input: ChatInput) => Admission,
  ) {}

  async next(): Promise<IteratorResult<ChatEvent, void>> {
    if (this.#finished) return { done: true, value: undefined };
    try {
      if (!this.#events) {
        this.#admission = this.admit(this.input);
        this.#events = this.service.chat(this.input);
      }
      const result = await this.#events.next();
      if (result.done) this.#finish();
      return result;
    } catch (error) {
      const drained = this.#admission?.drained === true;
      this.#finish();
      throw drained ? shuttingDown() : error;
    }
  }

  async return(): Promise<IteratorResult<ChatEvent, void>> {
    try {
      if (this.#events && !this.#finished) await this.#events.return(undefined);
    } finally {
      this.#finish();
    }
    return { done: true, value: undefined };
  }

  /** Ends the turn (its events are closed, the slot freed) and rethrows: nothing here throws in. */
  async throw(error: unknown): Promise<IteratorResult<ChatEvent, void>> {
    await this.return();
    throw error;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#admission?.release();
  }
}
