import { describe, expect, it } from 'vitest';
import { chatCompletionBody, responsesBody, samplingFrom } from './schemas.js';

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
    expect(samplingFrom({ ...body, max_tokens: body.max_completion_tokens ?? body.max_tokens })).toEqual({
      top_p: 0.5,
    });
  });

  it('passes set sampling options on, with the token limit, and nothing when none is set', () => {
    const body = responsesBody.parse({ model: 'm', input: 'hi', temperature: 0, max_output_tokens: 9 });
    expect(samplingFrom({ ...body, max_tokens: body.max_output_tokens })).toEqual({
      temperature: 0,
      max_tokens: 9,
    });
    expect(
      samplingFrom(responsesBody.parse({ model: 'm', input: 'hi', instructions: null })),
    ).toBeUndefined();
  });

  it('still refuses a wrong type behind a nullable field', () => {
    expect(
      chatCompletionBody.safeParse({ model: 'm', messages: [{ role: 'user', content: 'x' }], stream: 5 })
        .success,
    ).toBe(false);
  });
});
