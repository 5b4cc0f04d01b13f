/**
 * A real turn journal whose writer only records the batches it is given, for tests of when
 * turns are committed and with which statements. Starts wait a minute unless an end comes;
 * ends wait 20 ms while other turns run.
 */
import { createTurnJournal, type JournalOp } from '../../src/store/journal.js';

export function recordingJournal() {
  const batches: JournalOp[][] = [];
  const journal = createTurnJournal({
    write: (ops) => {
      batches.push(ops);
      return Promise.resolve();
    },
    startDelayMs: 60_000,
    owner: null,
    endDelayMs: 20,
    onError: () => undefined,
  });
  return { batches, journal };
}

/** Lets the I/O and immediates of this turn of the event loop run. */
export const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
