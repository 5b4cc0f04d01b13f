import type OpenAI from 'openai';
import { BadRequestError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulatedReply } from '../../../../test/upstream-sim/index.js';
import type { Stack } from '../../../../test/helpers/stack.js';
import { clientFor, startV1Stack, upstreamTurns } from './test-support.js';

const ask = (content: string): OpenAI.ChatCompletionMessageParam[] => [{ role: 'user', content }];

describe('/v1/chat/completions with response_format and the reasoning options', () => {
  let stack: Stack;
  let alice: OpenAI;
  beforeAll(async () => {
    stack = await startV1Stack();
    alice = clientFor(stack, await stack.addUser('alice'));
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('sends JSON mode to an OpenAI-kind account, non-streamed and streamed', async () => {
    const prompt = 'Answer in JSON, please';
    const whole = await alice.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: ask(prompt),
      response_format: { type: 'json_object' },
      reasoning_effort: 'low',
      logit_bias: { '50256': -100 },
    });
    expect(JSON.parse(whole.choices[0]?.message.content ?? '')).toEqual({ reply: simulatedReply(prompt, 0) });

    const stream = await alice.chat.completions.create({
      model: 'gpt-4o-mini',
      stream: true,
      messages: ask('a schema this time'),
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'answer', schema: { type: 'object' }, strict: true },
      },
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(JSON.parse(text)).toEqual({ reply: simulatedReply('a schema this time', 0) });
  });

  it('passes the upstream’s own refusal on (json_object without the word JSON)', async () => {
    const error = await alice.chat.completions
      .create({
        model: 'gpt-4o-mini',
        messages: ask('no format word'),
        response_format: { type: 'json_object' },
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).message).toMatch(/must contain the word 'json'/);
  });

  it('refuses JSON mode for a model only ChatGPT web serves, and lets type text through', async () => {
    const before = stack.sim.log.length;
    const error = await alice.chat.completions
      .create({ model: 'auto', messages: ask('json?'), response_format: { type: 'json_object' } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).param).toBe('response_format');
    expect(upstreamTurns(stack, before)).toEqual({ chatgpt: 0, openai: 0 });
    const text = await alice.chat.completions.create({
      model: 'auto',
      messages: ask('plain'),
      response_format: { type: 'text' },
    });
    expect(text.choices[0]?.message.content).toBe(simulatedReply('plain', 0));
  });

  it('refuses bad values of the new fields with the field named', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ response_format: { type: 'yaml' } }, 'response_format.type'],
      [
        { response_format: { type: 'json_schema', json_schema: { name: 'a b' } } },
        'response_format.json_schema.name',
      ],
      [{ reasoning_effort: 'extreme' }, 'reasoning_effort'],
      [{ logit_bias: { token: 5 } }, 'logit_bias.token'],
      [{ logit_bias: { '1': 101 } }, 'logit_bias.1'],
    ];
    for (const [fields, param] of cases) {
      const error = await alice.chat.completions
        .create({ model: 'gpt-4o-mini', messages: ask('x'), ...fields } as never)
        .catch((e: unknown) => e);
      expect(error, param).toBeInstanceOf(BadRequestError);
      expect((error as BadRequestError).param, JSON.stringify(fields)).toBe(param);
    }
  });
});
