import { Agent } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SIM_CUTOFF_MARKER, simulatedReply, startUpstreamSim } from '../../../test/upstream-sim/index.js';
import type { SimFault, UpstreamSim } from '../../../test/upstream-sim/index.js';
import { isUpstreamError } from '../types.js';
import type { ChatMessage, ProviderAccount, TurnEvent, UpstreamError } from '../types.js';
import { createChatGptProvider } from './index.js';

const provider = createChatGptProvider();
const dispatcher = new Agent();
let sim: UpstreamSim;
let tokenCounter = 0;

beforeAll(async () => {
  sim = await startUpstreamSim();
});

afterEach(() => {
  sim.setOptions({
    encoding: 'delta',
    sentinel: 'single',
    powVariant: 'fnv',
    requireConduit: false,
    chunkDelayMs: 0,
    firstByteDelayMs: 0,
  });
});

afterAll(async () => {
  await sim.close();
  await dispatcher.close();
});

/** A fresh token per test: the simulator keeps conversations and faults per token. */
function newAccount(options: Record<string, unknown> = {}, plus = false): ProviderAccount {
  tokenCounter += 1;
  const secret = `sim-access-token-${tokenCounter}-${Date.now()}`;
  sim.addAccount({ accessToken: secret, plus });
  return {
    name: `sim-account-${tokenCounter}`,
    kind: 'chatgpt',
    baseUrl: sim.chatgptBaseUrl,
    secret,
    dispatcher,
    timeouts: { firstByteMs: 500, idleMs: 500 },
    deviceId: '5f1c2b8e-0000-4000-8000-000000000001',
    options,
  };
}

interface TurnInput {
  messages: ChatMessage[];
  model?: string;
  conversationId?: string;
  parentMessageId?: string;
  signal?: AbortSignal;
}

interface TurnResult {
  events: TurnEvent[];
  text: string;
  error?: UpstreamError;
}

async function runTurn(account: ProviderAccount, input: TurnInput): Promise<TurnResult> {
  const events: TurnEvent[] = [];
  let error: UpstreamError | undefined;
  try {
    const request = { model: 'auto', signal: AbortSignal.timeout(15_000), ...input };
    for await (const event of provider.streamTurn(account, request)) events.push(event);
  } catch (thrown) {
    if (!isUpstreamError(thrown)) throw thrown;
    error = thrown;
  }
  const text = events.map((event) => (event.type === 'delta' ? event.text : '')).join('');
  return { events, text, error };
}

const user = (content: string): ChatMessage[] => [{ role: 'user', content }];
const lastIds = (events: TurnEvent[]) => events.filter((event) => event.type === 'ids').at(-1);

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('ChatGPT provider against the upstream simulator', () => {
  const combos = [
    { encoding: 'delta', sentinel: 'single', sendPath: 'f/conversation' },
    { encoding: 'delta', sentinel: 'two-step', sendPath: 'conversation' },
    { encoding: 'cumulative', sentinel: 'single', sendPath: 'conversation' },
    { encoding: 'cumulative', sentinel: 'two-step', sendPath: 'f/conversation' },
  ] as const;

  for (const combo of combos) {
    it(`streams the exact reply (${combo.encoding}, ${combo.sentinel} sentinel, /${combo.sendPath})`, async () => {
      sim.setOptions({ encoding: combo.encoding, sentinel: combo.sentinel });
      const account = newAccount({ sentinel: combo.sentinel, sendPath: combo.sendPath });
      const prompt = `Hello from ${combo.encoding} ${combo.sentinel}`;
      const result = await runTurn(account, { messages: user(prompt) });
      expect(result.error).toBeUndefined();
      expect(result.text).toBe(simulatedReply(prompt, 0));
      expect(result.events.filter((event) => event.type === 'delta').length).toBeGreaterThan(1);
      expect(result.events.at(-1)).toEqual({ type: 'finish', reason: 'stop' });
      const ids = lastIds(result.events);
      expect(ids).toMatchObject({ type: 'ids', model: 'auto' });
      expect(ids && 'conversationId' in ids && ids.conversationId).toBeTruthy();
      expect(ids && 'messageId' in ids && ids.messageId).toBeTruthy();
      // delta streams carry title_generation; cumulative ones need the gen_title fallback
      expect(result.events.filter((event) => event.type === 'title')).toEqual([
        { type: 'title', title: expect.stringContaining('Sim: Hello from') as unknown },
      ]);
      const sends = sim.log.filter(
        (entry) => entry.token === account.secret && entry.path.endsWith('onversation'),
      );
      expect(sends.map((entry) => entry.path)).toEqual([`/backend-api/${combo.sendPath}`]);
    });
  }

  it('uses the conduit token and the sha3 proof of work when configured', async () => {
    sim.setOptions({ requireConduit: true, powVariant: 'sha3' });
    const account = newAccount({ conduit: true, powVariant: 'sha3' });
    const result = await runTurn(account, { messages: user('conduit please') });
    expect(result.error).toBeUndefined();
    expect(result.text).toBe(simulatedReply('conduit please', 0));
    const paths = sim.log.filter((entry) => entry.token === account.secret).map((entry) => entry.path);
    expect(paths.slice(0, 3)).toEqual([
      '/backend-api/sentinel/chat-requirements',
      '/backend-api/f/conversation/prepare',
      '/backend-api/f/conversation',
    ]);
  });

  it('is refused without the conduit when the simulator requires it', async () => {
    sim.setOptions({ requireConduit: true });
    const result = await runTurn(newAccount(), { messages: user('no conduit') });
    expect(result.error?.kind).toBe('upstream_challenge');
  });

  it('continues a conversation (turn index 1), with and without a known parent id', async () => {
    const account = newAccount();
    const first = await runTurn(account, { messages: user('first question') });
    const ids = lastIds(first.events) as { conversationId: string; messageId: string };
    const second = await runTurn(account, {
      messages: [
        ...user('first question'),
        { role: 'assistant', content: first.text },
        ...user('second question'),
      ],
      conversationId: ids.conversationId,
      parentMessageId: ids.messageId,
    });
    expect(second.error).toBeUndefined();
    expect(second.text).toBe(simulatedReply('second question', 1));
    expect(second.events.some((event) => event.type === 'title')).toBe(false);
    const third = await runTurn(account, {
      messages: user('third question'),
      conversationId: ids.conversationId,
    });
    expect(third.text).toBe(simulatedReply('third question', 2));
  });

  it('folds earlier messages into the first prompt of a new conversation', async () => {
    const messages: ChatMessage[] = [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello!' },
      { role: 'user', content: 'How are you?' },
    ];
    const result = await runTurn(newAccount(), { messages });
    expect(result.text).toBe(
      simulatedReply('system: Be brief.\nuser: Hi\nassistant: Hello!\nuser: How are you?', 0),
    );
  });

  for (const encoding of ['delta', 'cumulative'] as const) {
    it(`continues a reply cut at max_tokens automatically (${encoding})`, async () => {
      sim.setOptions({ encoding });
      const account = newAccount();
      const prompt = `long answer ${SIM_CUTOFF_MARKER}`;
      const result = await runTurn(account, { messages: user(prompt) });
      expect(result.error).toBeUndefined();
      expect(result.text).toBe(simulatedReply(prompt, 0));
      expect(result.events.at(-1)).toEqual({ type: 'finish', reason: 'stop' });
      const sends = sim.log.filter(
        (entry) => entry.token === account.secret && entry.path === '/backend-api/f/conversation',
      );
      expect(sends).toHaveLength(2);
    });
  }

  it('reports an unknown or plus-only model as invalid_request', async () => {
    const result = await runTurn(newAccount(), { messages: user('hi'), model: 'gpt-5' });
    expect(result.error?.kind).toBe('invalid_request');
    expect(result.error?.upstreamCode).toBe('model_not_found');
  });

  it('lists the models an account may use', async () => {
    const free = await provider.listModels(newAccount(), AbortSignal.timeout(5000));
    const plus = await provider.listModels(newAccount({}, true), AbortSignal.timeout(5000));
    expect(free.map((model) => model.id)).toContain('auto');
    expect(free.map((model) => model.id)).not.toContain('gpt-5');
    expect(plus).toContainEqual({ id: 'gpt-5', title: 'GPT-5', maxTokens: 32767 });
  });

  it('deletes (hides) a conversation, and treats an unknown one as already gone', async () => {
    const account = newAccount();
    const turn = await runTurn(account, { messages: user('to be deleted') });
    const ids = lastIds(turn.events) as { conversationId: string };
    await provider.deleteConversation(account, ids.conversationId, AbortSignal.timeout(5000));
    const patch = sim.log.find((entry) => entry.method === 'PATCH' && entry.token === account.secret);
    expect(patch).toMatchObject({ path: `/backend-api/conversation/${ids.conversationId}`, status: 200 });
    await expect(
      provider.deleteConversation(account, 'no-such-id', AbortSignal.timeout(5000)),
    ).resolves.toBeUndefined();
  });
});

describe('ChatGPT provider failures against the simulator', () => {
  const faults: Array<{ fault: SimFault; kind: string; retryAfter?: number; afterFirstByte?: boolean }> = [
    { fault: { type: 'rate_limit', clearsIn: 252 }, kind: 'rate_limited', retryAfter: 252 },
    { fault: { type: 'rate_limit', retryAfter: 90 }, kind: 'rate_limited', retryAfter: 90 },
    { fault: { type: 'rate_limit' }, kind: 'rate_limited', retryAfter: 3600 },
    { fault: { type: 'token_expired' }, kind: 'auth_expired' },
    { fault: { type: 'cloudflare' }, kind: 'upstream_challenge' },
    { fault: { type: 'unusual_activity' }, kind: 'upstream_challenge' },
    { fault: { type: 'busy' }, kind: 'account_busy' },
    { fault: { type: 'server_error' }, kind: 'upstream_error' },
    { fault: { type: 'server_error', status: 502 }, kind: 'upstream_error' },
    { fault: { type: 'server_error', status: 524 }, kind: 'upstream_error' },
    { fault: { type: 'hang' }, kind: 'timeout' },
    { fault: { type: 'reset_mid_stream', afterChunks: 2 }, kind: 'network', afterFirstByte: true },
    { fault: { type: 'stall_mid_stream', afterChunks: 2 }, kind: 'timeout', afterFirstByte: true },
    { fault: { type: 'malformed_chunk', afterChunks: 2 }, kind: 'bad_response', afterFirstByte: true },
  ];

  for (const { fault, kind, retryAfter, afterFirstByte } of faults) {
    it(`${JSON.stringify(fault)} → ${kind}`, async () => {
      const account = newAccount();
      // spaced chunks so the text before a mid-stream fault reaches the caller before the fault
      if (afterFirstByte) sim.setOptions({ chunkDelayMs: 20 });
      sim.setFault(account.secret, fault, 1);
      const result = await runTurn(account, { messages: user('fault test') });
      expect(result.error?.kind).toBe(kind);
      expect(result.error?.account).toBe(account.name);
      expect(result.error?.message).not.toContain(account.secret);
      expect(result.error?.afterFirstByte).toBe(afterFirstByte ?? false);
      if (retryAfter !== undefined) expect(result.error?.retryAfterSeconds).toBe(retryAfter);
      expect(result.text.length > 0).toBe(afterFirstByte ?? false);
      // the fault hit once: the account works again
      const retry = await runTurn(account, { messages: user('after the fault') });
      expect(retry.text).toBe(simulatedReply('after the fault', 0));
    });
  }

  it('an expired token → auth_expired', async () => {
    const account = newAccount();
    sim.expireToken(account.secret);
    expect((await runTurn(account, { messages: user('hi') })).error?.kind).toBe('auth_expired');
  });

  it('a second concurrent turn on the same account → account_busy', async () => {
    sim.setOptions({ chunkDelayMs: 50 });
    const account = newAccount();
    const first = runTurn(account, { messages: user('slow one') });
    await waitFor(
      () =>
        sim.log.some(
          (entry) => entry.token === account.secret && entry.path === '/backend-api/f/conversation',
        ),
      'the first send',
    );
    const second = await runTurn(account, { messages: user('too soon') });
    expect(second.error?.kind).toBe('account_busy');
    expect((await first).text).toBe(simulatedReply('slow one', 0));
  });

  it('aborting mid-stream → cancelled, and the simulator sees the client go away', async () => {
    sim.setOptions({ chunkDelayMs: 100 });
    const account = newAccount();
    const abortedBefore = sim.aborted;
    const controller = new AbortController();
    const events: TurnEvent[] = [];
    let error: unknown;
    try {
      for await (const event of provider.streamTurn(account, {
        messages: user('abort me'),
        model: 'auto',
        signal: controller.signal,
      })) {
        events.push(event);
        if (event.type === 'delta') controller.abort();
      }
    } catch (thrown) {
      error = thrown;
    }
    expect(isUpstreamError(error) && error.kind).toBe('cancelled');
    expect(isUpstreamError(error) && error.afterFirstByte).toBe(true);
    expect(events.filter((event) => event.type === 'delta')).toHaveLength(1);
    await waitFor(() => sim.aborted === abortedBefore + 1, 'the simulator to count the abort');
  });

  it('a consumer that stops reading early releases the upstream reply', async () => {
    sim.setOptions({ chunkDelayMs: 100 });
    const account = newAccount();
    const abortedBefore = sim.aborted;
    for await (const event of provider.streamTurn(account, {
      messages: user('stop early'),
      model: 'auto',
      signal: AbortSignal.timeout(15_000),
    })) {
      if (event.type === 'delta') break;
    }
    await waitFor(() => sim.aborted === abortedBefore + 1, 'the simulator to see the client leave');
    sim.setOptions({ chunkDelayMs: 0 });
    expect((await runTurn(account, { messages: user('next') })).text).toBe(simulatedReply('next', 0));
  });
});
