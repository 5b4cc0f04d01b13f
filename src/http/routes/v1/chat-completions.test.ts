import type OpenAI from 'openai';
import { APIError, AuthenticationError, BadRequestError, NotFoundError, PermissionDeniedError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulatedReply } from '../../../../test/upstream-sim/index.js';
import type { Stack } from '../../../../test/helpers/stack.js';
import { API_SECRET, clientFor, eventually, startV1Stack, upstreamTurns } from './test-support.js';

describe('/v1/chat/completions with the official openai client', () => {
  let stack: Stack;
  let alice: OpenAI;
  let bob: OpenAI;
  let aliceKey: string;
  beforeAll(async () => {
    stack = await startV1Stack();
    aliceKey = await stack.addUser('alice');
    alice = clientFor(stack, aliceKey);
    bob = clientFor(stack, await stack.addUser('bob', { plus: true }));
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const store = () => stack.server.server.store;

  it.each([
    ['auto', 'chatgpt'],
    ['gpt-4o-mini', 'openai'],
  ] as const)('answers %s non-streamed on the %s account, in OpenAI’s shape', async (model, kind) => {
    const before = stack.sim.log.length;
    const { data, response } = await alice.chat.completions
      .create({ model, messages: [{ role: 'user', content: 'Hello there' }] })
      .withResponse();
    expect(data).toMatchObject({
      object: 'chat.completion',
      model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: simulatedReply('Hello there', 0) },
          finish_reason: 'stop',
        },
      ],
    });
    expect(data.id).toMatch(/^chatcmpl-[0-9a-f]{32}$/);
    expect(data.created).toBeGreaterThan(1_600_000_000);
    expect(upstreamTurns(stack, before)[kind]).toBe(1);
    if (kind === 'openai') expect(data.usage?.total_tokens).toBeGreaterThan(0);
    else expect(data.usage).toBeUndefined();
    const conversationId = response.headers.get('x-conversation-id');
    const stored = await store().conversations.get(conversationId ?? '');
    expect(stored).toMatchObject({ user_id: 'alice', account_kind: kind });
    const turns = await store().turns.listForConversation(conversationId ?? '');
    expect(turns.map((t) => [t.prompt, t.status, t.reply])).toEqual([
      ['Hello there', 'complete', simulatedReply('Hello there', 0)],
    ]);
  });

  it.each([
    ['auto', 'chatgpt'],
    ['gpt-4o-mini', 'openai'],
  ] as const)('streams %s (%s) as chat.completion.chunk frames', async (model, kind) => {
    const stream = await alice.chat.completions.create({
      model,
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'stream me' }],
    });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe(simulatedReply('stream me', 0));
    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: 'assistant', content: '' });
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.model === model)).toBe(true);
    const finishes = chunks.filter((c) => c.choices[0]?.finish_reason);
    expect(finishes.map((c) => c.choices[0]?.finish_reason)).toEqual(['stop']);
    const usage = chunks.at(-1)?.usage;
    if (kind === 'openai') {
      expect(chunks.at(-1)?.choices).toEqual([]);
      expect(usage?.completion_tokens).toBeGreaterThan(0);
    } else expect(usage ?? undefined).toBeUndefined();
  });

  it('sends the whole message list upstream and records the last user message as the prompt', async () => {
    const completion = await alice.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'first' }] },
        { role: 'assistant', content: 'an answer' },
        { role: 'user', content: 'second' },
      ],
    });
    // The simulator numbers a reply by the assistant messages it was sent.
    expect(completion.choices[0]?.message.content).toBe(simulatedReply('second', 1));
  });

  it.each(['auto', 'gpt-4o-mini'])(
    'continues a stored conversation with X-Conversation-Id (%s)',
    async (model) => {
      const first = await alice.chat.completions
        .create({ model, messages: [{ role: 'user', content: 'one' }] })
        .withResponse();
      const conversationId = first.response.headers.get('x-conversation-id') ?? '';
      const second = await alice.chat.completions
        .create(
          { model, messages: [{ role: 'user', content: 'two' }] },
          { headers: { 'X-Conversation-Id': conversationId } },
        )
        .withResponse();
      expect(second.data.choices[0]?.message.content).toBe(simulatedReply('two', 1));
      expect(second.response.headers.get('x-conversation-id')).toBe(conversationId);
      const turns = await store().turns.listForConversation(conversationId);
      expect(turns.map((t) => t.prompt)).toEqual(['one', 'two']);
    },
  );

  it('does not let another user continue a conversation', async () => {
    const first = await alice.chat.completions
      .create({ model: 'auto', messages: [{ role: 'user', content: 'mine' }] })
      .withResponse();
    const conversationId = first.response.headers.get('x-conversation-id') ?? '';
    const error = await bob.chat.completions
      .create(
        { model: 'auto', messages: [{ role: 'user', content: 'yours?' }] },
        { headers: { 'X-Conversation-Id': conversationId } },
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
  });

  it('stops the upstream and stores the turn as cancelled when the client aborts mid-stream', async () => {
    stack.sim.setOptions({ chunkDelayMs: 100, replyChunks: 20 });
    try {
      const abortedBefore = stack.sim.aborted;
      const controller = new AbortController();
      const { data: stream, response } = await alice.chat.completions
        .create(
          { model: 'auto', stream: true, messages: [{ role: 'user', content: 'long story' }] },
          { signal: controller.signal },
        )
        .withResponse();
      const conversationId = response.headers.get('x-conversation-id') ?? '';
      let received = '';
      for await (const chunk of stream) {
        received += chunk.choices[0]?.delta.content ?? '';
        if (received.length > 0) controller.abort();
      }
      expect(received.length).toBeLessThan(simulatedReply('long story', 0).length);
      await eventually(() => (stack.sim.aborted > abortedBefore ? true : undefined));
      const turn = await eventually(async () => {
        const [row] = await store().turns.listForConversation(conversationId);
        return row && row.status !== 'pending' ? row : undefined;
      });
      expect(turn.status).toBe('cancelled');
    } finally {
      stack.sim.setOptions({ chunkDelayMs: 0, replyChunks: 8 });
    }
  });

  it('reports an upstream failure after the start as an error frame (the client throws)', async () => {
    stack.sim.setFault(API_SECRET, { type: 'reset_mid_stream', afterChunks: 2 }, 1);
    const stream = await alice.chat.completions.create({
      model: 'gpt-4o-mini',
      stream: true,
      messages: [{ role: 'user', content: 'break me' }],
    });
    let received = '';
    const error = await (async () => {
      for await (const chunk of stream) received += chunk.choices[0]?.delta.content ?? '';
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
    expect(received.length).toBeGreaterThan(0);
    expect(received.length).toBeLessThan(simulatedReply('break me', 0).length);
  });

  it('ignores unknown fields, including ones naming an upstream or a key', async () => {
    const before = stack.sim.log.length;
    const completion = await alice.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'plain' }],
      temperature: 0.3,
      max_completion_tokens: 50,
      ...({
        base_url: 'http://127.0.0.9:9/v1',
        api_key: 'sk-other',
        proxy: 'socks5://127.0.0.9:1',
      } as object),
    });
    expect(completion.choices[0]?.message.content).toBe(simulatedReply('plain', 0));
    expect(new Set(stack.sim.log.slice(before).map((e) => e.token))).toEqual(new Set([API_SECRET]));
  });

  it('refuses non-text content parts with a 400 naming the field', async () => {
    const error = await alice.chat.completions
      .create({
        model: 'auto',
        messages: [
          { role: 'user', content: [{ type: 'image_url', image_url: { url: 'http://127.0.0.1/x.png' } }] },
        ],
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).param).toBe('messages.0.content.0');
  });

  it('raises AuthenticationError for a wrong key, with OpenAI’s code', async () => {
    const error = await clientFor(stack, 'cas_wrong_key')
      .chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as APIError).code).toBe('invalid_api_key');
  });

  it('raises PermissionDeniedError for a premium model and a non-plus user, before any upstream call', async () => {
    const before = stack.sim.log.length;
    const error = await alice.chat.completions
      .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermissionDeniedError);
    expect(stack.sim.log.length).toBe(before);
    const allowed = await bob.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(allowed.choices[0]?.message.content).toBe(simulatedReply('x', 0));
  });

  it('answers 404 model_not_found for a model no account serves', async () => {
    const error = await alice.chat.completions
      .create({ model: 'gpt-9-imaginary', messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as APIError).code).toBe('model_not_found');
  });

  it('stores each call where the owner (recall) and the admins find it', async () => {
    const chat = await alice.chat.completions
      .create({ model: 'auto', messages: [{ role: 'user', content: 'find me later' }] })
      .withResponse();
    const response = await alice.responses
      .create({ model: 'gpt-4o-mini', input: 'find me too' })
      .withResponse();
    const ids = [chat, response].map((r) => r.response.headers.get('x-conversation-id'));
    const recall = await stack.call('/api/recall?limit=100', {
      headers: { authorization: `Bearer ${aliceKey}` },
    });
    const recalled = (recall.json?.items as { conversation_id: string }[]).map((c) => c.conversation_id);
    expect(recalled).toEqual(expect.arrayContaining(ids));
    const admin = await stack.call('/api/admin/conversations?user_id=alice&limit=100', {
      headers: { authorization: `Bearer ${stack.adminKey}` },
    });
    const listed = (admin.json?.items as { conversation_id: string }[]).map((c) => c.conversation_id);
    expect(listed).toEqual(expect.arrayContaining(ids));
    const detail = await stack.call(`/api/recall?conversation_id=${ids[1] ?? ''}`, {
      headers: { authorization: `Bearer ${aliceKey}` },
    });
    expect(detail.json?.turns).toMatchObject([
      { prompt: 'find me too', reply: simulatedReply('find me too', 0) },
    ]);
  });
});
