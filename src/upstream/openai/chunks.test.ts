import { describe, expect, it } from 'vitest';
import { eventsFromChunk, eventsFromCompletion, MalformedPayloadError, newChunkState } from './chunks.js';
import { parseErrorBody } from './errors.js';

describe('eventsFromChunk', () => {
  it('maps content deltas, ids once, usage, and keeps the finish reason in state', () => {
    const state = newChunkState();
    const base = { id: 'chatcmpl-1', object: 'chat.completion.chunk', model: 'gpt-4o-mini' };
    expect(
      eventsFromChunk({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' } }] }, state),
    ).toEqual([{ type: 'ids', messageId: 'chatcmpl-1', model: 'gpt-4o-mini' }]);
    expect(
      eventsFromChunk({ ...base, choices: [{ delta: { content: 'Hi' }, finish_reason: null }] }, state),
    ).toEqual([{ type: 'delta', text: 'Hi' }]);
    expect(eventsFromChunk({ ...base, choices: [{ delta: {}, finish_reason: 'length' }] }, state)).toEqual(
      [],
    );
    expect(state.finish).toBe('length');
    expect(
      eventsFromChunk(
        { ...base, choices: [], usage: { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 } },
        state,
      ),
    ).toEqual([{ type: 'usage', promptTokens: 3, completionTokens: 5, totalTokens: 8 }]);
  });

  it('passes on the pieces of function calls, by index, with the id and name where given', () => {
    const state = newChunkState();
    const head = { index: 0, id: 'call_1', type: 'function', function: { name: 'get_time', arguments: '' } };
    expect(
      eventsFromChunk({ choices: [{ delta: { role: 'assistant', tool_calls: [head] } }] }, state),
    ).toEqual([{ type: 'tool_call', index: 0, id: 'call_1', name: 'get_time' }]);
    const more = [{ index: 1, function: { arguments: '{"a"' } }];
    expect(eventsFromChunk({ choices: [{ delta: { tool_calls: more } }] }, state)).toEqual([
      { type: 'tool_call', index: 1, arguments: '{"a"' },
    ]);
    expect(() => eventsFromChunk({ choices: [{ delta: { tool_calls: {} } }] }, state)).toThrow(
      MalformedPayloadError,
    );
    expect(() => eventsFromChunk({ choices: [{ delta: { tool_calls: ['x'] } }] }, state)).toThrow(
      MalformedPayloadError,
    );
    for (const index of [-1, 1.5, 1e9, '0'])
      expect(() => eventsFromChunk({ choices: [{ delta: { tool_calls: [{ index }] } }] }, state)).toThrow(
        MalformedPayloadError,
      );
    const whole = {
      choices: [
        {
          message: { role: 'assistant', content: null, tool_calls: [head, { ...head, id: 'call_2' }] },
          finish_reason: 'tool_calls',
        },
      ],
    };
    expect(eventsFromCompletion(whole)).toEqual([
      { type: 'tool_call', index: 0, id: 'call_1', name: 'get_time' },
      { type: 'tool_call', index: 1, id: 'call_2', name: 'get_time' },
      { type: 'finish', reason: 'tool_calls' },
    ]);
  });

  it('rejects chunks of the wrong shape', () => {
    expect(() => eventsFromChunk('text', newChunkState())).toThrow(MalformedPayloadError);
    expect(() => eventsFromChunk({ choices: {} }, newChunkState())).toThrow(MalformedPayloadError);
    expect(() => eventsFromChunk({ choices: [{ delta: 'x' }] }, newChunkState())).toThrow(
      MalformedPayloadError,
    );
  });
});

describe('eventsFromCompletion', () => {
  it('maps a non-streamed chat.completion (Ollama / llama.cpp style)', () => {
    const events = eventsFromCompletion({
      id: 'chatcmpl-9',
      object: 'chat.completion',
      model: 'llama3',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello there' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
    });
    expect(events).toEqual([
      { type: 'ids', messageId: 'chatcmpl-9', model: 'llama3' },
      { type: 'delta', text: 'Hello there' },
      { type: 'usage', promptTokens: 1, completionTokens: 2, totalTokens: 3 },
      { type: 'finish', reason: 'stop' },
    ]);
  });
});

describe('parseErrorBody', () => {
  it('reads the OpenAI shape and the looser ones', () => {
    expect(
      parseErrorBody(
        '{"error":{"message":"Incorrect API key","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}',
      ),
    ).toEqual({ message: 'Incorrect API key', type: 'invalid_request_error', code: 'invalid_api_key' });
    expect(parseErrorBody('{"error":"model \\"x\\" not found"}')).toMatchObject({
      message: 'model "x" not found',
    });
    expect(parseErrorBody('<html>bad gateway</html>')).toMatchObject({ message: undefined });
    expect(parseErrorBody('upstream overloaded')).toMatchObject({ message: 'upstream overloaded' });
  });
});
