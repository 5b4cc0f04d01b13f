import { describe, expect, it } from 'vitest';
import { readSseBatches, type SseEvent } from './sse.js';

async function collect(chunks: (string | Uint8Array)[]): Promise<SseEvent[]> {
  async function* source() {
    yield* chunks;
  }
  const events: SseEvent[] = [];
  for await (const batch of readSseBatches(source())) events.push(...batch);
  return events;
}

describe('readSseBatches', () => {
  it('parses data and event fields, multi-line data and comments', async () => {
    const events = await collect([
      ': keep-alive\n\nevent: delta_encoding\ndata: "v1"\n\ndata: a\ndata: b\n\n',
    ]);
    expect(events).toEqual([
      { event: 'delta_encoding', data: '"v1"' },
      { event: undefined, data: 'a\nb' },
    ]);
  });

  it('handles CRLF and CR endings split across chunks, and a final event without blank line', async () => {
    const events = await collect(['data: one\r', '\n\r\ndata:two\r\rdata: thr', 'ee']);
    expect(events.map((e) => e.data)).toEqual(['one', 'two', 'three']);
  });

  it('joins LF-only lines split anywhere across chunks', async () => {
    const events = await collect(['data: {"a"', ':1}\n', '\ndata: x\n', '\n', 'event: e\ndata: y\n\n']);
    expect(events).toEqual([
      { event: undefined, data: '{"a":1}' },
      { event: undefined, data: 'x' },
      { event: 'e', data: 'y' },
    ]);
  });

  it('decodes multi-byte UTF-8 split across chunks', async () => {
    const bytes = new TextEncoder().encode('data: héllo 🌍\n\n');
    const events = await collect([bytes.slice(0, 8), bytes.slice(8, 15), bytes.slice(15)]);
    expect(events).toEqual([{ event: undefined, data: 'héllo 🌍' }]);
  });

  it('hands over every event one network chunk completed as one batch', async () => {
    async function* source() {
      yield 'data: 1\n\ndata: 2\n\ndata: 3';
      yield '\n\n: ping\n\n';
      yield 'data: 4\n\n';
    }
    const batches: string[][] = [];
    for await (const batch of readSseBatches(source())) batches.push(batch.map((e) => e.data));
    expect(batches).toEqual([['1', '2'], ['3'], ['4']]);
  });
});
