import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isUpstreamError } from '../types.js';
import type { TurnEvent } from '../types.js';
import { SseDecoder } from '../http/sse.js';
import { ChatGptStreamParser, batchTurnEvents, mapFinishReason } from './stream-parser.js';

const fixture = (name: string): Buffer => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));

interface ParseResult {
  events: TurnEvent[];
  parser: ChatGptStreamParser;
}

/** Feeds `bytes` in pieces of `chunkSize` bytes, like a network would. */
function parseBytes(bytes: Buffer, chunkSize = bytes.length): ParseResult {
  const decoder = new SseDecoder();
  const parser = new ChatGptStreamParser();
  const events: TurnEvent[] = [];
  for (let offset = 0; offset < bytes.length; offset += chunkSize) {
    for (const sse of decoder.push(bytes.subarray(offset, offset + chunkSize)))
      events.push(...parser.handle(sse));
  }
  for (const sse of decoder.end()) events.push(...parser.handle(sse));
  return { events, parser };
}

const parseText = (text: string): ParseResult => parseBytes(Buffer.from(text, 'utf8'));

const replyText = (events: TurnEvent[]): string =>
  events.map((event) => (event.type === 'delta' ? event.text : '')).join('');

/** A cumulative-encoding event: the assistant's message to all, whole so far. */
const assistantSnapshot = (text: string): string =>
  JSON.stringify({
    message: {
      id: 'm1',
      author: { role: 'assistant' },
      content: { content_type: 'text', parts: [text] },
      recipient: 'all',
      metadata: {},
    },
    conversation_id: 'c',
    error: null,
  });

function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('ChatGPT stream parser, delta v1', () => {
  const expected = 'It is sunny and 21°C in Paris today. 🌤 Enjoy!';

  it('yields only the assistant reply, without system, user, reasoning or tool text', () => {
    const { events, parser } = parseBytes(fixture('delta-v1.txt'));
    const text = replyText(events);
    expect(text).toBe(expected);
    expect(text).not.toMatch(/SECRET|PRIVATE|TOOL|USER PROMPT|search\(/);
    expect(parser.complete).toBe(true);
    expect(parser.done).toBe(true);
    expect(parser.finishType).toBe('stop');
  });

  it('reports ids, the final assistant message id and the title', () => {
    const { events } = parseBytes(fixture('delta-v1.txt'));
    const ids = events.filter((event) => event.type === 'ids');
    expect(ids.at(-1)).toEqual({
      type: 'ids',
      conversationId: 'conv-123',
      messageId: 'asst-1',
      model: 'gpt-5',
    });
    // conversation id known before the first text
    const firstIds = events.findIndex((event) => event.type === 'ids');
    const firstDelta = events.findIndex((event) => event.type === 'delta');
    expect(firstIds).toBeGreaterThanOrEqual(0);
    expect(firstIds).toBeLessThan(firstDelta);
    expect(events.filter((event) => event.type === 'title')).toEqual([
      { type: 'title', title: 'Weather in Paris' },
    ]);
  });

  it('gives the same text when fed one byte at a time (splits inside UTF-8 and markers)', () => {
    const { events } = parseBytes(fixture('delta-v1.txt'), 1);
    expect(replyText(events)).toBe(expected);
  });

  it('gives the same text with CRLF line endings fed in odd chunk sizes', () => {
    const crlf = Buffer.from(fixture('delta-v1.txt').toString('utf8').replace(/\n/g, '\r\n'), 'utf8');
    for (const size of [1, 2, 7, 13]) expect(replyText(parseBytes(crlf, size).events)).toBe(expected);
  });

  it('strips citation markers from every delta', () => {
    const { events } = parseBytes(fixture('delta-v1.txt'), 1);
    for (const event of events) if (event.type === 'delta') expect(event.text).not.toMatch(/[\uE200-\uE206]/);
  });

  it('maps max_tokens in a metadata append to finish length', () => {
    const stream = [
      'data: {"p":"","o":"add","v":{"message":{"id":"m","author":{"role":"assistant"},"content":{"content_type":"text","parts":["ab"]},"status":"in_progress","recipient":"all","metadata":{}},"conversation_id":"c"}}',
      'data: {"p":"","o":"patch","v":[{"p":"/message/content/parts/0","o":"append","v":"c"},{"p":"/message/metadata","o":"append","v":{"finish_details":{"type":"max_tokens"}}}]}',
      'data: [DONE]',
      '',
    ].join('\n\n');
    const { events, parser } = parseText(stream);
    expect(replyText(events)).toBe('abc');
    expect(mapFinishReason(parser.finishType)).toBe('length');
  });

  it('turns a non-null error into an UpstreamError', () => {
    const error = thrownBy(() =>
      parseText('data: {"message":null,"conversation_id":"c","error":"Something went wrong."}\n\n'),
    );
    expect(isUpstreamError(error) && error.kind).toBe('upstream_error');
    expect((error as Error).message).toContain('Something went wrong');
  });

  it('classifies a busy error inside the stream as account_busy', () => {
    const error = thrownBy(() =>
      parseText(
        'data: {"error":{"message":"Only one message at a time. Please allow any other responses to complete.","code":"conflict"}}\n\n',
      ),
    );
    expect(isUpstreamError(error) && error.kind).toBe('account_busy');
  });

  it('treats malformed JSON as bad_response', () => {
    const error = thrownBy(() => parseText('data: {"p":"/message/content/parts/0","o":"app\n\n'));
    expect(isUpstreamError(error) && error.kind).toBe('bad_response');
  });
});

describe('ChatGPT stream parser, cumulative', () => {
  it('emits only each new suffix of the assistant message sent to all', () => {
    const { events, parser } = parseBytes(fixture('cumulative.txt'));
    expect(replyText(events)).toBe('Bonjour! Voilà la réponse – fin.');
    const deltas = events.filter((event) => event.type === 'delta').map((event) => event.text);
    expect(deltas).toEqual(['Bon', 'jour!', ' Voilà ', 'la réponse', ' – fin.']);
    expect(parser.conversationId).toBe('conv-old');
    expect(parser.messageId).toBe('a-1');
    expect(parser.model).toBe('text-davinci-002-render-sha');
    expect(mapFinishReason(parser.finishType)).toBe('length');
    expect(parser.done).toBe(true);
  });

  it('is byte-split safe', () => {
    expect(replyText(parseBytes(fixture('cumulative.txt'), 1).events)).toBe(
      'Bonjour! Voilà la réponse – fin.',
    );
  });

  it('keeps emitted lengths across a continued stream of the same message', () => {
    const parser = new ChatGptStreamParser();
    const snapshot = (text: string) => ({ event: undefined, data: assistantSnapshot(text) });
    const first = parser.handle(snapshot('Hello'));
    parser.startNextStream();
    const second = parser.handle(snapshot('Hello world'));
    expect(replyText([...first, ...second])).toBe('Hello world');
    expect(parser.complete).toBe(false);
  });
});

describe('ChatGPT stream parser, a reply that arrives in one network chunk', () => {
  /** Every event of `text` as one batch, through batchTurnEvents. */
  function batchOf(text: string, progress = { textSent: false }): TurnEvent[] {
    const parser = new ChatGptStreamParser();
    return [...batchTurnEvents(parser, new SseDecoder().push(Buffer.from(text, 'utf8')), progress)];
  }

  it('sends the first text alone, then the rest of the batch as one delta', () => {
    const events = batchOf(fixture('cumulative.txt').toString('utf8'));
    expect(events.filter((event) => event.type === 'delta')).toEqual([
      { type: 'delta', text: 'Bon' },
      { type: 'delta', text: 'jour! Voilà la réponse – fin.' },
    ]);
    // The ids still come before the first text.
    expect(events[0]?.type).toBe('ids');
  });

  it('keeps other events in their place between joined texts (the title of a delta stream)', () => {
    const whole = fixture('delta-v1.txt').toString('utf8');
    const oneByOne = parseText(whole).events;
    const batched = batchOf(whole);
    expect(replyText(batched)).toBe(replyText(oneByOne));
    expect(batched.filter((event) => event.type !== 'delta')).toEqual(
      oneByOne.filter((event) => event.type !== 'delta'),
    );
    expect(batched.filter((event) => event.type === 'delta').length).toBeLessThan(
      oneByOne.filter((event) => event.type === 'delta').length,
    );
    // No two texts in a row after the first: each run of them was joined.
    const kinds = batched.map((event) => event.type).join(' ');
    expect(kinds.slice(kinds.indexOf('delta') + 'delta'.length)).not.toMatch(/delta delta/);
  });

  it('joins even the first text once a text has gone out (a later network chunk)', () => {
    const events = batchOf(fixture('cumulative.txt').toString('utf8'), { textSent: true });
    expect(events.filter((event) => event.type === 'delta')).toEqual([
      { type: 'delta', text: 'Bonjour! Voilà la réponse – fin.' },
    ]);
  });

  it('lets the text before a bad event out, then throws', () => {
    const snapshot = (text: string) => `data: ${assistantSnapshot(text)}\n\n`;
    const parser = new ChatGptStreamParser();
    const batch = new SseDecoder().push(
      snapshot('Hel') + snapshot('Hello') + snapshot('Hello there') + 'data: {"broken\n\n',
    );
    const seen: TurnEvent[] = [];
    const error = thrownBy(() => {
      for (const event of batchTurnEvents(parser, batch, { textSent: false })) seen.push(event);
    });
    expect(isUpstreamError(error) && error.kind).toBe('bad_response');
    expect(seen.filter((event) => event.type === 'delta')).toEqual([
      { type: 'delta', text: 'Hel' },
      { type: 'delta', text: 'lo there' },
    ]);
  });

  it('reads nothing after [DONE]', () => {
    const parser = new ChatGptStreamParser();
    const batch = new SseDecoder().push('data: [DONE]\n\ndata: {"broken\n\n');
    expect([...batchTurnEvents(parser, batch, { textSent: false })]).toEqual([]);
    expect(parser.done).toBe(true);
  });
});

describe('finish reason mapping', () => {
  it('maps stop, max_tokens and others', () => {
    expect(mapFinishReason('stop')).toBe('stop');
    expect(mapFinishReason('max_tokens')).toBe('length');
    expect(mapFinishReason('interrupted')).toBe('other');
  });
});
