import type { APIError } from 'openai';
import type OpenAI from 'openai';
import { BadRequestError, NotFoundError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulatedReply } from '../../../../test/upstream-sim/index.js';
import type { Stack } from '../../../../test/helpers/stack.js';
import { API_SECRET, clientFor, startV1Stack, upstreamTurns } from './test-support.js';

const EVENT_ORDER = [
  'response.created',
  'response.in_progress',
  'response.output_item.added',
  'response.content_part.added',
  'response.output_text.delta',
  'response.output_text.done',
  'response.content_part.done',
  'response.output_item.done',
  'response.completed',
];

const MODELS = [
  ['auto', 'chatgpt'],
  ['gpt-4o-mini', 'openai'],
] as const;

describe('/v1/responses with the official openai client', () => {
  let stack: Stack;
  let alice: OpenAI;
  let bob: OpenAI;
  beforeAll(async () => {
    stack = await startV1Stack();
    alice = clientFor(stack, await stack.addUser('alice'));
    bob = clientFor(stack, await stack.addUser('bob'));
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const store = () => stack.server.server.store;

  it.each(MODELS)('creates a response with %s on the %s account', async (model, kind) => {
    const before = stack.sim.log.length;
    const { data, response } = await alice.responses
      .create({ model, input: 'Hello there', instructions: 'Be brief.' })
      .withResponse();
    // A ChatGPT-web account gets a new conversation's messages folded into one prompt.
    const reply = simulatedReply(
      kind === 'chatgpt' ? 'system: Be brief.\nuser: Hello there' : 'Hello there',
      0,
    );
    expect(data).toMatchObject({
      object: 'response',
      status: 'completed',
      model,
      instructions: 'Be brief.',
      output: [
        {
          type: 'message',
          role: 'assistant',
          content: [{ type: 'output_text', text: reply, annotations: [] }],
        },
      ],
    });
    expect(data.output_text).toBe(reply);
    expect(data.id).toMatch(/^resp_[A-Za-z0-9_-]+$/);
    expect(upstreamTurns(stack, before)[kind]).toBe(1);
    if (kind === 'openai') expect(data.usage?.output_tokens).toBeGreaterThan(0);
    const turns = await store().turns.listForConversation(response.headers.get('x-conversation-id') ?? '');
    expect(turns.map((t) => [t.prompt, t.status])).toEqual([['Hello there', 'complete']]);
  });

  it.each(MODELS)('continues with previous_response_id on %s (%s)', async (model) => {
    const first = await alice.responses.create({
      model,
      input: [{ role: 'user', content: [{ type: 'input_text', text: 'one' }] }],
    });
    const second = await alice.responses
      .create({ model, input: 'two', previous_response_id: first.id })
      .withResponse();
    expect(second.data.output_text).toBe(simulatedReply('two', 1));
    expect(second.data.previous_response_id).toBe(first.id);
    const conversationId = second.response.headers.get('x-conversation-id') ?? '';
    const turns = await store().turns.listForConversation(conversationId);
    expect(turns.map((t) => t.prompt)).toEqual(['one', 'two']);
    // Only the latest response continues (no branches), and only for the owner.
    const stale = await alice.responses
      .create({ model, input: 'three', previous_response_id: first.id })
      .catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(BadRequestError);
    const stranger = await bob.responses
      .create({ model, input: 'three', previous_response_id: second.data.id })
      .catch((e: unknown) => e);
    expect(stranger).toBeInstanceOf(NotFoundError);
    expect((stranger as APIError).code).toBe('previous_response_not_found');
  });

  it.each(MODELS)('streams the documented events with %s (%s)', async (model) => {
    const stream = await alice.responses.create({ model, input: 'stream me', stream: true });
    const types: string[] = [];
    let text = '';
    let completed: OpenAI.Responses.Response | undefined;
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.output_text.delta') text += event.delta;
      if (event.type === 'response.completed') completed = event.response;
    }
    expect(text).toBe(simulatedReply('stream me', 0));
    expect(types.filter((t, i) => t !== types[i - 1])).toEqual(EVENT_ORDER);
    expect(completed?.output_text).toBe(text);
  });

  it('works with responses.stream() and finalResponse(), then continues the streamed response', async () => {
    const stream = alice.responses.stream({ model: 'auto', input: 'helper' });
    let deltas = '';
    stream.on('response.output_text.delta', (event) => {
      deltas += event.delta;
    });
    const final = await stream.finalResponse();
    expect(final.output_text).toBe(simulatedReply('helper', 0));
    expect(deltas).toBe(final.output_text);
    const next = await alice.responses.create({
      model: 'auto',
      input: 'again',
      previous_response_id: final.id,
    });
    expect(next.output_text).toBe(simulatedReply('again', 1));
  });

  it('sends error and response.failed events when the upstream breaks mid-stream', async () => {
    stack.sim.setFault(API_SECRET, { type: 'reset_mid_stream', afterChunks: 2 }, 1);
    const stream = await alice.responses.create({ model: 'gpt-4o-mini', input: 'break me', stream: true });
    const types: string[] = [];
    let failure: OpenAI.Responses.ResponseErrorEvent | undefined;
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'error') failure = event;
    }
    expect(types.slice(-2)).toEqual(['error', 'response.failed']);
    expect(types).not.toContain('response.completed');
    expect(failure?.message).toEqual(expect.any(String));
  });

  it('refuses input items that are not text messages', async () => {
    const error = await alice.responses
      .create({
        model: 'auto',
        input: [{ type: 'function_call_output', call_id: 'c1', output: 'x' }],
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
  });

  it('refuses function tools (they are served on /v1/chat/completions) instead of ignoring them', async () => {
    const error = await alice.responses
      .create({
        model: 'gpt-4o-mini',
        input: 'weather?',
        tools: [{ type: 'function', name: 'get_weather', parameters: {}, strict: false }],
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).param).toBe('tools');
    expect((error as BadRequestError).message).toMatch(/chat\/completions/);
  });
});
