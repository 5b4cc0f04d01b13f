import { Agent } from 'undici';
import { describe, expect, it } from 'vitest';
import type { ProviderAccount, TurnRequest } from '../types.js';
import { buildChatBody } from './request-body.js';

const account: ProviderAccount = {
  name: 'key-one',
  kind: 'openai',
  baseUrl: 'http://127.0.0.1:9/v1',
  secret: 'sk-never-sent-in-a-body',
  dispatcher: new Agent(),
  timeouts: { firstByteMs: 1000, idleMs: 1000 },
};

const turn = (extra: Partial<TurnRequest> = {}): TurnRequest => ({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'hi' }],
  signal: new AbortController().signal,
  ...extra,
});

describe('buildChatBody', () => {
  it('streams by default and asks for usage in the stream', () => {
    const body = JSON.parse(buildChatBody(account, turn()));
    expect(body).toMatchObject({
      model: 'gpt-4o-mini',
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(body.messages).toEqual([{ role: 'user', content: 'hi' }]);
  });

  it('asks for one JSON body when the caller waits for the whole reply', () => {
    const body = JSON.parse(buildChatBody(account, turn({ stream: false, sampling: { temperature: 0.2 } })));
    expect(body.stream).toBe(false);
    expect(body).not.toHaveProperty('stream_options');
    expect(body.temperature).toBe(0.2);
  });

  it('leaves stream_options out for servers that reject it', () => {
    const body = JSON.parse(buildChatBody({ ...account, options: { streamOptions: false } }, turn()));
    expect(body.stream).toBe(true);
    expect(body).not.toHaveProperty('stream_options');
  });

  it('sends the tools, the choice and the calls in history in OpenAI’s shape, and no tools when none', () => {
    const tool = { type: 'function', function: { name: 'get_time', parameters: {} } };
    const call = { id: 'call_1', type: 'function' as const, function: { name: 'get_time', arguments: '{}' } };
    const body = JSON.parse(
      buildChatBody(
        account,
        turn({
          messages: [
            { role: 'user', content: 'time?' },
            { role: 'assistant', content: '', toolCalls: [call] },
            { role: 'tool', content: '14:05', toolCallId: 'call_1' },
          ],
          tools: { tools: [tool], choice: 'required', parallel: false },
        }),
      ),
    );
    expect(body).toMatchObject({ tools: [tool], tool_choice: 'required', parallel_tool_calls: false });
    expect(body.messages).toEqual([
      { role: 'user', content: 'time?' },
      { role: 'assistant', content: null, tool_calls: [call] },
      { role: 'tool', content: '14:05', tool_call_id: 'call_1' },
    ]);
    const history = JSON.parse(buildChatBody(account, turn({ tools: { tools: [], choice: 'auto' } })));
    expect(Object.keys(history)).not.toContain('tools');
    expect(Object.keys(history)).not.toContain('tool_choice');
  });

  it('sends a response format and the reasoning options as given', () => {
    const body = JSON.parse(
      buildChatBody(
        account,
        turn({
          responseFormat: { type: 'json_object' },
          sampling: { reasoning_effort: 'high', logit_bias: { '42': -100 } },
        }),
      ),
    );
    expect(body).toMatchObject({
      response_format: { type: 'json_object' },
      reasoning_effort: 'high',
      logit_bias: { '42': -100 },
    });
    expect(Object.keys(JSON.parse(buildChatBody(account, turn())))).not.toContain('response_format');
  });
});
