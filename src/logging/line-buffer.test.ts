import { describe, expect, it } from 'vitest';
import { createLineBuffer } from './line-buffer.js';

/** A sink that records what it was handed, as the file would receive it. */
function recordingSink() {
  const blocks: string[] = [];
  let syncFlushes = 0;
  return {
    blocks,
    syncFlushes: () => syncFlushes,
    sink: {
      write: (text: string) => blocks.push(text),
      flush: (done: (error?: Error) => void) => done(),
      flushSync: () => {
        syncFlushes += 1;
      },
    },
  };
}

describe('line buffer', () => {
  it('holds lines until a block is full, then hands them over together, in order', () => {
    const { blocks, sink } = recordingSink();
    const buffer = createLineBuffer(sink, 10);
    buffer.write('aaaa\n');
    buffer.write('bbb\n');
    expect(blocks).toEqual([]);
    buffer.write('cc\n');
    expect(blocks).toEqual(['aaaa\nbbb\ncc\n']);
    buffer.write('d\n');
    expect(blocks).toHaveLength(1);
  });

  it('hands over what is held on flush and on flushSync, which also waits for the sink', async () => {
    const { blocks, sink, syncFlushes } = recordingSink();
    const buffer = createLineBuffer(sink, 1000);
    buffer.write('one\n');
    await new Promise<void>((resolve, reject) =>
      buffer.flush((error) => (error ? reject(error) : resolve())),
    );
    expect(blocks).toEqual(['one\n']);
    buffer.flush();
    expect(blocks).toHaveLength(1);
    buffer.write('two\n');
    buffer.flushSync();
    expect(blocks).toEqual(['one\n', 'two\n']);
    expect(syncFlushes()).toBe(1);
  });

  it('reports a sink that cannot flush to the caller instead of throwing', () => {
    const buffer = createLineBuffer({
      write: () => undefined,
      flush: () => {
        throw new Error('not ready');
      },
      flushSync: () => undefined,
    });
    let reported: Error | undefined;
    buffer.flush((error) => (reported = error));
    expect(reported?.message).toBe('not ready');
  });
});
