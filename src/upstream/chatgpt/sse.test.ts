import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { SseDecoder, readSse } from './sse.js';
import type { SseEvent } from './sse.js';

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
    { event: 'message', data: 'line one\nline two' },
    { event: 'message', data: 'cr only', id: '7' },
    { event: 'message', data: '[DONE]', id: '7' },
  ];

  it('parses event names, multi-line data, comments and all line endings', () => {
    expect(decodeInPieces(stream, 10_000)).toEqual(expected);
  });

  it('gives the same events for every chunk size, including one byte', () => {
    for (const size of [1, 2, 3, 5, 8]) expect(decodeInPieces(stream, size)).toEqual(expected);
  });

  it('flushes a last event without a trailing blank line at the end', () => {
    expect(decodeInPieces('data: tail', 3)).toEqual([{ event: 'message', data: 'tail' }]);
  });

  it('reads a byte stream incrementally', async () => {
    const chunks = ['data: a', '\n\nda', 'ta: b\n', '\n'].map((piece) => Buffer.from(piece));
    const seen: string[] = [];
    for await (const event of readSse(Readable.from(chunks))) seen.push(event.data);
    expect(seen).toEqual(['a', 'b']);
  });
});
