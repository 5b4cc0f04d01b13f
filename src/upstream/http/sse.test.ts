import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readSseBatches, SseDecoder, type SseEvent } from './sse.js';

function decodeInPieces(text: string, size: number): SseEvent[] {
  const bytes = Buffer.from(text, 'utf8');
  const decoder = new SseDecoder();
  const events: SseEvent[] = [];
  for (let offset = 0; offset < bytes.length; offset += size) {
    events.push(...decoder.push(bytes.subarray(offset, offset + size)));
  }
  events.push(...decoder.end());
  return events;
}

async function collect(chunks: (string | Uint8Array)[]): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  for await (const batch of readSseBatches(Readable.from(chunks))) events.push(...batch);
  return events;
}

describe('SseDecoder', () => {
  const stream =
    ': keep-alive comment\r\n' +
    'event: delta_encoding\r\ndata: "v1"\r\n\r\n' +
    'event: delta\ndata: {"v":"é"}\n\n' +
    'data: line one\ndata:line two\n\n' +
    'id: 7\rdata: cr only\r\r' +
    'data: [DONE]\n\n';
  const expected: SseEvent[] = [
    { event: 'delta_encoding', data: '"v1"' },
    { event: 'delta', data: '{"v":"é"}' },
    { event: undefined, data: 'line one\nline two' },
    { event: undefined, data: 'cr only' },
    { event: undefined, data: '[DONE]' },
  ];

  it('parses event names, multi-line data, comments and all line endings', () => {
    expect(decodeInPieces(stream, 10_000)).toEqual(expected);
  });

  it('drops a byte-order mark at the start of the stream only, even split over chunks', () => {
    const withBom = '\uFEFFdata: first\n\ndata: \uFEFFkept\n\n';
    for (const size of [1, 2, 3, 100]) {
      expect(decodeInPieces(withBom, size)).toEqual([
        { event: undefined, data: 'first' },
        { event: undefined, data: '\uFEFFkept' },
      ]);
    }
  });

  it('replaces bytes that are not UTF-8, and a sequence cut off by the end, with U+FFFD', () => {
    const decoder = new SseDecoder();
    expect(decoder.push(Uint8Array.from([...Buffer.from('data: a'), 0xff, 0x0a, 0x0a]))).toEqual([
      { event: undefined, data: 'a\uFFFD' },
    ]);
    decoder.push(Uint8Array.from([...Buffer.from('data: b'), 0xe2, 0x82]));
    expect(decoder.end()).toEqual([{ event: undefined, data: 'b\uFFFD' }]);
  });

  it('reads fields by exact name: a bare "data" line is an empty line of data, look-alikes are ignored', () => {
    const text =
      'data\ndata:\ndata: a: b\n\n' + // three data lines: "", "" and "a: b"
      'database: no\ndat: no\nevents: no\nevent\ndata:x\n\n' + // only "event" (empty) and "data" count
      'retry: 10\n\n'; // no data: no event
    expect(decodeInPieces(text, 10_000)).toEqual([
      { event: undefined, data: '\n\na: b' },
      { event: '', data: 'x' },
    ]);
  });

  it('gives the same events for every chunk size, including one byte', () => {
    for (const size of [1, 2, 3, 5, 8]) expect(decodeInPieces(stream, size)).toEqual(expected);
  });

  it('flushes a last event without a trailing blank line at the end', () => {
    expect(decodeInPieces('data: tail', 3)).toEqual([{ event: undefined, data: 'tail' }]);
    expect(decodeInPieces('data: tail\r', 3)).toEqual([{ event: undefined, data: 'tail' }]);
  });

  it('hands over an event ended by CR at the end of a chunk at once, and skips the LF after it', () => {
    const decoder = new SseDecoder();
    expect(decoder.push('data: a\r\r')).toEqual([{ event: undefined, data: 'a' }]);
    expect(decoder.push('\ndata: b\n\n')).toEqual([{ event: undefined, data: 'b' }]);
    expect(decoder.end()).toEqual([]);
  });
});

describe('readSseBatches', () => {
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
    const chunks = ['data: 1\n\ndata: 2\n\ndata: 3', '\n\n: ping\n\n', 'data: 4\n\n'];
    const batches: string[][] = [];
    for await (const batch of readSseBatches(Readable.from(chunks))) batches.push(batch.map((e) => e.data));
    expect(batches).toEqual([['1', '2'], ['3'], ['4']]);
  });
});
