import { describe, expect, it } from 'vitest';
import { chatCompletionBody, lastUserMessage, responsesBody, samplingFrom } from './schemas.js';

describe('/v1 body schemas', () => {
  it('accepts null for every optional field and reads it as not set', () => {
    const body = chatCompletionBody.parse({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      stream: null,
      stream_options: null,
      max_tokens: null,
      max_completion_tokens: null,
      temperature: null,
      top_p: 0.5,
      stop: null,
      seed: null,
      user: null,
    });
    expect([body.stream, body.stream_options, body.user]).toEqual([null, null, null]);
    expect(samplingFrom(body, body.max_completion_tokens ?? body.max_tokens)).toEqual({ top_p: 0.5 });
  });

  it('passes set sampling options on, with the token limit, and nothing when none is set', () => {
    const body = responsesBody.parse({ model: 'm', input: 'hi', temperature: 0, max_output_tokens: 9 });
    expect(samplingFrom(body, body.max_output_tokens)).toEqual({ temperature: 0, max_tokens: 9 });
    const bare = responsesBody.parse({ model: 'm', input: 'hi', instructions: null });
    expect(samplingFrom(bare, bare.max_output_tokens)).toBeUndefined();
  });

  it("takes the token limit from the route's own field, not from a max_tokens in the body", () => {
    const body = chatCompletionBody.parse({
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 5,
      max_completion_tokens: 7,
      seed: 3,
    });
    expect(samplingFrom(body, body.max_completion_tokens)).toEqual({ max_tokens: 7, seed: 3 });
    expect(samplingFrom(body, undefined)).toEqual({ seed: 3 });
  });

  it('takes the last user message as the prompt, and refuses a list without one', () => {
    const messages = [
      { role: 'user' as const, content: 'first' },
      { role: 'assistant' as const, content: 'reply' },
      { role: 'user' as const, content: 'second' },
      { role: 'assistant' as const, content: 'another' },
    ];
    expect(lastUserMessage(messages, 'messages')).toBe('second');
    expect(() => lastUserMessage([{ role: 'system', content: 's' }], 'input')).toThrow(
      "'input' must contain a user message",
    );
  });

  it('still refuses a wrong type behind a nullable field', () => {
    expect(
      chatCompletionBody.safeParse({ model: 'm', messages: [{ role: 'user', content: 'x' }], stream: 5 })
        .success,
    ).toBe(false);
  });
});
