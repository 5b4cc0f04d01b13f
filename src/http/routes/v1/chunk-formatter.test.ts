import { describe, expect, it } from 'vitest';
import type { ChatResult } from '../../../chat/types.js';
import { sseFrame } from '../../render/sse.js';
import { chunkFormatter } from './chat-completions.js';
import { chunkFrames, completionChunk, type ChunkContext } from './openai-shapes.js';

/** The chunks in the SSE frames a formatter call returned. */
const chunks = (text: string) =>
  text
    .split('\n\n')
    .filter(Boolean)
    .map((frame) => JSON.parse(frame.replace(/^data: /, '')) as { choices: { delta: object }[] });

const result = (reply: string): ChatResult => ({
  conversationId: 'c',
  turnId: '01900000-0000-7000-8000-000000000001',
  messageId: null,
  title: null,
  reply,
  prompt: 'hi',
  model: 'm',
  account: 'a',
  finishReason: 'stop',
  usage: {},
  startedAt: 0,
  finishedAt: 0,
  isNew: true,
});

describe('chunkFormatter', () => {
  const start = {
    type: 'start',
    conversationId: 'c',
    turnId: result('').turnId,
    model: 'm',
    account: 'a',
  } as const;

  it('sends the role chunk with the first text, once, and the text alone after that', () => {
    const frame = chunkFormatter('m', 1, false);
    expect(frame(start)).toBe('');
    expect(chunks(frame({ type: 'delta', text: 'Hel' })).map((c) => c.choices[0]?.delta)).toEqual([
      { role: 'assistant', content: '' },
      { content: 'Hel' },
    ]);
    expect(chunks(frame({ type: 'delta', text: 'lo' })).map((c) => c.choices[0]?.delta)).toEqual([
      { content: 'lo' },
    ]);
    expect(chunks(frame({ type: 'done', result: result('Hello') })).map((c) => c.choices[0]?.delta)).toEqual([
      {},
    ]);
  });

  it('still sends the role chunk first when the reply is empty', () => {
    const frame = chunkFormatter('m', 1, false);
    expect(chunks(frame({ type: 'done', result: result('') })).map((c) => c.choices[0]?.delta)).toEqual([
      { role: 'assistant', content: '' },
      {},
    ]);
  });
});

describe('chunkFrames', () => {
  const texts = ['Hel', '', 'a "quoted" \\ back\nslash\t', 'é 😀 \u2028 \u0001', '</script>'];
  const contexts: ChunkContext[] = [
    {
      id: 'chatcmpl-01900000000070008000000000000001',
      created: 1795813167,
      model: 'gpt-4o-mini',
      includeUsage: false,
    },
    { id: 'chatcmpl-x', created: 0, model: 'a "model" é', includeUsage: true },
  ];

  it.each(contexts)('writes the same bytes as the serialised chunk objects (usage: $includeUsage)', (ctx) => {
    const frames = chunkFrames(ctx);
    expect(frames.role()).toBe(sseFrame(completionChunk(ctx, { role: 'assistant', content: '' })));
    for (const text of texts)
      expect(frames.text(text)).toBe(sseFrame(completionChunk(ctx, { content: text })));
    for (const reason of ['stop', 'length', 'tool_calls'])
      expect(frames.finish(reason)).toBe(sseFrame(completionChunk(ctx, {}, reason)));
  });
});
