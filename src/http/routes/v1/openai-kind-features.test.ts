/** The features served by OpenAI-kind accounts only: function tools and JSON response formats. */
import type OpenAI from 'openai';
import { BadRequestError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulatedReply } from '../../../../test/upstream-sim/index.js';
import type { Stack } from '../../../../test/helpers/stack.js';
import { createPageClient } from '../pages/test-support.js';
import { clientFor, startV1Stack, upstreamTurns, userAsks as ask } from './test-support.js';

const weather: OpenAI.ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'The weather in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};
const time: OpenAI.ChatCompletionTool = {
  type: 'function',
  function: { name: 'get_time', parameters: { type: 'object', properties: {} } },
};
describe('/v1/chat/completions features of OpenAI-kind accounts (the official openai client)', () => {
  let stack: Stack;
  let alice: OpenAI;
  beforeAll(async () => {
    stack = await startV1Stack();
    alice = clientFor(stack, await stack.addUser('alice'));
  });
  afterAll(async () => {
    await stack?.stop();
  });

  describe('function tools', () => {
    const store = () => stack.server.server.store;

    it('returns the calls non-streamed, stores them, and answers the tool results of the next call', async () => {
      const prompt = 'What is get_weather and get_time in Paris?';
      const { data, response } = await alice.chat.completions
        .create({ model: 'gpt-4o-mini', messages: ask(prompt), tools: [weather, time] })
        .withResponse();
      const choice = data.choices[0]!;
      expect(choice.finish_reason).toBe('tool_calls');
      expect(choice.message.content).toBeNull();
      const calls = choice.message.tool_calls ?? [];
      expect(calls.map((c) => c.type === 'function' && [c.function.name, c.function.arguments])).toEqual([
        ['get_weather', JSON.stringify({ prompt })],
        ['get_time', JSON.stringify({ prompt })],
      ]);
      expect(calls.every((c) => /^call_[0-9a-f]{24}$/.test(c.id))).toBe(true);
      const conversationId = response.headers.get('x-conversation-id') ?? '';
      const turns = await store().turns.listForConversation(conversationId);
      expect(turns.map((t) => [t.status, t.reply, JSON.parse(t.tool_calls ?? 'null')])).toEqual([
        ['complete', '', calls],
      ]);
      const shown = await stack.call(`/api/admin/conversations/${conversationId}`, {
        headers: { authorization: `Bearer ${stack.adminKey}` },
      });
      expect(shown.json?.turns).toEqual([expect.objectContaining({ reply: '', tool_calls: calls })]);

      const answered = await alice.chat.completions.create({
        model: 'gpt-4o-mini',
        tools: [weather, time],
        messages: [
          ...ask(prompt),
          { role: 'assistant', content: null, tool_calls: calls },
          { role: 'tool', tool_call_id: calls[0]!.id, content: 'sunny, 21 °C' },
          { role: 'tool', tool_call_id: calls[1]!.id, content: '14:05' },
        ],
      });
      expect(answered.choices[0]).toMatchObject({
        finish_reason: 'stop',
        message: { role: 'assistant', content: 'The tool answered: 14:05' },
      });
      expect(answered.choices[0]?.message.tool_calls).toBeUndefined();
    });

    it('shows the stored calls on the admin conversation page, as text', async () => {
      const prompt = '<b>get_time</b> now';
      const { response } = await alice.chat.completions
        .create({ model: 'gpt-4o-mini', messages: ask(prompt), tools: [time] })
        .withResponse();
      const admin = createPageClient(stack.url);
      await admin.signIn(stack.adminKey);
      const page = await admin.get(`/admin/conversations/${response.headers.get('x-conversation-id')}`);
      expect(page.status).toBe(200);
      expect(page.text).toContain('Function calls (1)');
      expect(page.text).toContain(
        'get_time({&quot;prompt&quot;:&quot;&lt;b&gt;get_time&lt;/b&gt; now&quot;})',
      );
      expect(page.text).not.toContain('<b>get_time</b>');
    });

    it('streams the calls in OpenAI’s pieces, which the SDK puts together', async () => {
      const prompt = 'get_weather for Oslo, please';
      const stream = alice.chat.completions.stream({
        model: 'gpt-4o-mini',
        messages: ask(prompt),
        tools: [weather, time],
        tool_choice: { type: 'function', function: { name: 'get_weather' } },
      });
      const pieces: OpenAI.ChatCompletionChunk[] = [];
      stream.on('chunk', (chunk) => pieces.push(chunk));
      const final = await stream.finalChatCompletion();
      expect(final.choices[0]?.finish_reason).toBe('tool_calls');
      const calls = final.choices[0]?.message.tool_calls ?? [];
      expect(calls).toHaveLength(1);
      expect(calls[0]).toMatchObject({
        type: 'function',
        function: { name: 'get_weather', arguments: JSON.stringify({ prompt }) },
      });
      // The arguments came in several pieces, after one piece naming the call.
      const parts = pieces.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
      expect(parts.length).toBeGreaterThan(2);
      expect(parts[0]).toMatchObject({ index: 0, id: calls[0]!.id, function: { name: 'get_weather' } });
      expect(parts.slice(1).every((p) => p.id === undefined && p.function?.name === undefined)).toBe(true);
    });

    it('offers the tools to the upstream only when asked, and tool_choice none answers in text', async () => {
      const plain = await alice.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: ask('get_weather?'),
        n: 1, // served values of fields that are refused otherwise
        logprobs: false,
        modalities: ['text'],
      });
      expect(plain.choices[0]?.message.tool_calls).toBeUndefined();
      const none = await alice.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: ask('get_weather?'),
        tools: [weather],
        tool_choice: 'none',
      });
      expect(none.choices[0]?.finish_reason).toBe('stop');
      expect(none.choices[0]?.message.content).toContain('Simulated reply');
    });

    it('refuses tools for a model only ChatGPT-web accounts serve, before any upstream call', async () => {
      const before = stack.sim.log.length;
      const error = await alice.chat.completions
        .create({ model: 'auto', messages: ask('get_weather'), tools: [weather] })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BadRequestError);
      expect((error as BadRequestError).param).toBe('tools');
      expect((error as BadRequestError).message).toMatch(/OpenAI-kind account/);
      expect(upstreamTurns(stack, before)).toEqual({ chatgpt: 0, openai: 0 });
    });

    it('refuses a tool message without its call id, bad tools, tools with X-Conversation-Id, and fields not served', async () => {
      const cases: [string, Record<string, unknown>, string, Record<string, string>?][] = [
        [
          'tool message without id',
          { messages: [...ask('x'), { role: 'tool', content: 'r' }] },
          'messages.1.tool_call_id',
        ],
        [
          'a tool with a bad name',
          { messages: ask('x'), tools: [{ type: 'function', function: { name: 'a b' } }] },
          'tools.0.function.name',
        ],
        [
          'an unknown tool_choice',
          { messages: ask('x'), tools: [weather], tool_choice: 'always' },
          'tool_choice',
        ],
        [
          'tools on a stored conversation',
          { messages: ask('x'), tools: [weather] },
          'tools',
          { 'x-conversation-id': '0190a0a0-0000-7000-8000-000000000000' },
        ],
      ];
      cases.push(
        ['tool_choice without tools', { messages: ask('x'), tool_choice: 'auto' }, 'tool_choice'],
        [
          'parallel_tool_calls without tools',
          { messages: ask('x'), parallel_tool_calls: true },
          'parallel_tool_calls',
        ],
        ['n = 2', { messages: ask('x'), n: 2 }, 'n'],
        ['logprobs', { messages: ask('x'), logprobs: true }, 'logprobs'],
        ['functions', { messages: ask('x'), functions: [{ name: 'f' }] }, 'functions'],
        ['function_call', { messages: ask('x'), function_call: 'auto' }, 'function_call'],
        ['audio output', { messages: ask('x'), modalities: ['text', 'audio'] }, 'modalities'],
        ['an audio voice', { messages: ask('x'), audio: { voice: 'alloy', format: 'mp3' } }, 'audio'],
      );
      for (const [name, body, param, headers] of cases) {
        const error = await alice.chat.completions
          .create({ model: 'gpt-4o-mini', ...body } as never, { headers })
          .catch((e: unknown) => e);
        expect(error, name).toBeInstanceOf(BadRequestError);
        expect((error as BadRequestError).param, name).toBe(param);
      }
    });
  });

  describe('response_format and the reasoning options', () => {
    it('sends JSON mode to an OpenAI-kind account, non-streamed and streamed', async () => {
      const prompt = 'Answer in JSON, please';
      const whole = await alice.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: ask(prompt),
        response_format: { type: 'json_object' },
        reasoning_effort: 'low',
        logit_bias: { '50256': -100 },
      });
      expect(JSON.parse(whole.choices[0]?.message.content ?? '')).toEqual({
        reply: simulatedReply(prompt, 0),
      });

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
});
