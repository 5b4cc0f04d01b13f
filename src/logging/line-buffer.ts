/**
 * Holds log lines in memory and hands them to the sink in blocks of ~16 KB: one file write per
 * block instead of one per line. Not sonic-boom's own `minLength` buffer: it appends each line to
 * one growing string and measures that string's byte length on every write, which flattens it
 * again and again (a few KB copied per line, the largest allocation of a request in profiles).
 */
export interface LineSink {
  write(text: string): unknown;
  /** Calls back when the sink has flushed (sonic-boom without a buffer of its own: at once). */
  flush(done: (error?: Error) => void): void;
  flushSync(): void;
}

export interface LineBuffer {
  write(line: string): void;
  /** Hands what is held to the sink, which writes it asynchronously; `done` after the sink's flush. */
  flush(done?: (error?: Error) => void): void;
  /** Hands what is held to the sink and waits until the sink has written everything. */
  flushSync(): void;
}

export function createLineBuffer(sink: LineSink, blockChars = 16 * 1024): LineBuffer {
  let lines: string[] = [];
  let chars = 0;
  const handOver = (): void => {
    if (chars === 0) return;
    const block = lines.join('');
    lines = [];
    chars = 0;
    sink.write(block);
  };
  return {
    write(line) {
      lines.push(line);
      chars += line.length;
      if (chars >= blockChars) handOver();
    },
    flush(done) {
      handOver();
      if (!done) return;
      try {
        sink.flush(done);
      } catch (error) {
        done(error as Error);
      }
    },
    flushSync() {
      handOver();
      sink.flushSync();
    },
  };
}
