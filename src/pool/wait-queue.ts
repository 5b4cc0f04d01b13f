/**
 * A bounded FIFO of requests waiting for an account. Waiters are retried in arrival order
 * whenever something may have changed (a release here or, through Redis, in another process;
 * an admin action) and on a slow poll, which catches what no one announces: a cooldown that
 * ends, an admin action in another process.
 */
export type AttemptResult<T> = { value: T } | { error: unknown } | 'wait';

export interface WaitQueueOptions<R, T> {
  attempt(request: R): Promise<AttemptResult<T>>;
  /** Gives back a value won by a waiter that was settled meanwhile (timed out, aborted). */
  discard(value: T): Promise<void>;
  maxWaiting: number;
  timeoutMs: number;
  pollIntervalMs: number;
  timeoutError(request: R): Error;
  fullError(request: R): Error;
  cancelledError(request: R): Error;
}

interface Waiter<R, T> {
  request: R;
  settled: boolean;
  resolve(value: T): void;
  reject(error: unknown): void;
  cleanup(): void;
}

export interface WaitQueue<R, T> {
  /** Serves the request at once when nobody waits before it and it can be served; else queues it. */
  submit(request: R, signal: AbortSignal): Promise<T>;
  /** Retries the waiters (something may have been freed). */
  wake(): void;
  size(): number;
  /** Rejects every waiter, and every later request, with `error` (shutdown). */
  rejectAll(error: Error): void;
}

export function createWaitQueue<R, T>(options: WaitQueueOptions<R, T>): WaitQueue<R, T> {
  const waiters: Waiter<R, T>[] = [];
  let draining = false;
  let rerun = false;
  let pollTimer: NodeJS.Timeout | undefined;
  let closedError: Error | undefined;

  const settle = (waiter: Waiter<R, T>, result: { value: T } | { error: unknown }): void => {
    if (waiter.settled) return;
    waiter.settled = true;
    waiter.cleanup();
    const index = waiters.indexOf(waiter);
    if (index >= 0) waiters.splice(index, 1);
    if ('value' in result) waiter.resolve(result.value);
    else waiter.reject(result.error);
  };

  const schedulePoll = (): void => {
    if (pollTimer || waiters.length === 0) return;
    pollTimer = setTimeout(() => {
      pollTimer = undefined;
      void drain();
    }, options.pollIntervalMs);
    pollTimer.unref();
  };

  const attemptSafely = async (request: R): Promise<AttemptResult<T>> => {
    try {
      return await options.attempt(request);
    } catch (error) {
      return { error };
    }
  };

  async function drain(): Promise<void> {
    if (draining) {
      rerun = true;
      return;
    }
    draining = true;
    try {
      do {
        rerun = false;
        for (const waiter of [...waiters]) {
          if (waiter.settled) continue;
          const result = await attemptSafely(waiter.request);
          if (result === 'wait') continue;
          if (waiter.settled) {
            if ('value' in result) await options.discard(result.value);
            continue;
          }
          settle(waiter, result);
        }
      } while (rerun);
    } finally {
      draining = false;
      schedulePoll();
    }
  }

  const enqueue = (request: R, signal: AbortSignal): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const onAbort = (): void => settle(waiter, { error: options.cancelledError(request) });
      const timer = setTimeout(
        () => settle(waiter, { error: options.timeoutError(request) }),
        options.timeoutMs,
      );
      const waiter: Waiter<R, T> = {
        request,
        settled: false,
        resolve,
        reject,
        cleanup: () => {
          clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
        },
      };
      signal.addEventListener('abort', onAbort, { once: true });
      waiters.push(waiter);
      void drain();
    });

  return {
    async submit(request: R, signal: AbortSignal): Promise<T> {
      if (closedError) throw closedError;
      if (signal.aborted) throw options.cancelledError(request);
      if (waiters.length === 0) {
        const result = await options.attempt(request);
        if (result !== 'wait') {
          if ('value' in result) return result.value;
          throw result.error;
        }
        if (signal.aborted) throw options.cancelledError(request);
      }
      if (closedError) throw closedError;
      if (waiters.length >= options.maxWaiting) throw options.fullError(request);
      return enqueue(request, signal);
    },
    wake: () => void drain(),
    size: () => waiters.length,
    rejectAll(error: Error) {
      closedError = error;
      for (const waiter of [...waiters]) settle(waiter, { error });
      if (pollTimer) clearTimeout(pollTimer);
      pollTimer = undefined;
    },
  };
}
