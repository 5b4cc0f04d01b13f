import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startUpstreamSim, simulatedReply, type UpstreamSim } from '../../../test/upstream-sim/index.js';
import { describeWithBinary } from '../../../test/helpers/binaries.js';
import { startMicrosocks, type Microsocks } from '../../../test/helpers/socks.js';
import { createDispatcherRegistry, type DispatcherRegistry } from '../http/dispatchers.js';
import { UpstreamError, type ProviderAccount, type TurnEvent, type TurnRequest } from '../types.js';
import { createOpenAiProvider } from './provider.js';

const KEY = 'sk-simkey-0123456789abcdef';
const provider = createOpenAiProvider();
let sim: UpstreamSim;
let registry: DispatcherRegistry;

beforeAll(async () => {
  sim = await startUpstreamSim();
  sim.addApiKey(KEY);
  registry = createDispatcherRegistry({ connectTimeoutMs: 2_000 });
});
afterAll(async () => {
  await registry.close();
  await sim.close();
});
afterEach(() => {
  sim.setFault(KEY, null);
  sim.setOptions({ chunkDelayMs: 0 });
});

const account = (overrides: Partial<ProviderAccount> = {}): ProviderAccount => ({
  name: 'key-one',
  kind: 'openai',
  baseUrl: sim.openaiBaseUrl,
  secret: KEY,
  dispatcher: registry.get(),
  timeouts: { firstByteMs: 5_000, idleMs: 5_000 },
  ...overrides,
});

const turn = (prompt: string, overrides: Partial<TurnRequest> = {}): TurnRequest => ({
  messages: [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: prompt },
  ],
  model: 'gpt-4o-mini',
  sampling: { temperature: 0.2, max_tokens: 500 },
  signal: AbortSignal.timeout(15_000),
  ...overrides,
});

async function run(target: ProviderAccount, request: TurnRequest) {
  const events: TurnEvent[] = [];
  let error: unknown;
  try {
    for await (const event of provider.streamTurn(target, request)) events.push(event);
  } catch (caught) {
    error = caught;
  }
  const text = events.flatMap((e) => (e.type === 'delta' ? [e.text] : [])).join('');
  return { events, text, error };
}

function expectUpstreamError(error: unknown, kind: UpstreamError['kind']): UpstreamError {
  expect(error).toBeInstanceOf(UpstreamError);
  const upstream = error as UpstreamError;
  expect(upstream.kind).toBe(kind);
  expect(upstream.account).toBe('key-one');
  expect(upstream.message).toContain('key-one');
  expect(upstream.message).not.toContain(KEY);
  return upstream;
}

const waitFor = async (condition: () => boolean, what: string): Promise<void> => {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 25));
  if (!condition()) throw new Error(`timed out waiting for ${what}`);
};

describe('OpenAI-compatible provider against the simulator', () => {
  it('streams the reply, then ids, usage and finish', async () => {
    // Chunks apart in time stay apart; chunks that arrive together are joined (next test).
    sim.setOptions({ chunkDelayMs: 5 });
    const { events, text, error } = await run(account(), turn('Tell me about llamas'));
    expect(error).toBeUndefined();
    expect(text).toBe(simulatedReply('Tell me about llamas', 0));
    expect(events.filter((e) => e.type === 'delta').length).toBeGreaterThan(1);
    expect(events.find((e) => e.type === 'ids')).toMatchObject({ model: 'gpt-4o-mini' });
    const usage = events.find((e) => e.type === 'usage');
    expect(usage).toMatchObject({ type: 'usage' });
    expect(usage?.type === 'usage' && usage.completionTokens).toBeGreaterThan(0);
    expect(usage?.type === 'usage' && usage.totalTokens).toBe(
      usage?.type === 'usage' ? (usage.promptTokens ?? 0) + (usage.completionTokens ?? 0) : -1,
    );
    expect(events.at(-1)).toEqual({ type: 'finish', reason: 'stop' });
  });

  it('counts earlier assistant turns like the upstream does', async () => {
    const { text } = await run(
      account(),
      turn('second', {
        messages: [
          { role: 'user', content: 'first' },
          { role: 'assistant', content: simulatedReply('first', 0) },
          { role: 'user', content: 'second' },
        ],
      }),
    );
    expect(text).toBe(simulatedReply('second', 1));
  });

  it('lists models', async () => {
    const models = await provider.listModels(account(), AbortSignal.timeout(5_000));
    expect(models.map((m) => m.id).sort()).toEqual(['gpt-4o', 'gpt-4o-mini']);
  });

  it('maps an unknown API key to auth_invalid without echoing it', async () => {
    const wrongKey = 'sk-wrong-key-0123456789';
    const { error } = await run(account({ secret: wrongKey }), turn('hi'));
    const upstream = expectUpstreamError(error, 'auth_invalid');
    expect(upstream.status).toBe(401);
    expect(upstream.upstreamCode).toBe('invalid_api_key');
    expect(upstream.message).not.toContain(wrongKey);
    await expect(
      provider.listModels(account({ secret: wrongKey }), AbortSignal.timeout(5_000)),
    ).rejects.toMatchObject({
      kind: 'auth_invalid',
    });
  });

  it('maps an unknown model to invalid_request (model_not_found)', async () => {
    const { error } = await run(account(), turn('hi', { model: 'gpt-nonexistent' }));
    const upstream = expectUpstreamError(error, 'invalid_request');
    expect(upstream.upstreamCode).toBe('model_not_found');
  });

  it('maps 429 with Retry-After to rate_limited with that delay', async () => {
    sim.setFault(KEY, { type: 'rate_limit', retryAfter: 17 }, 1);
    const { error } = await run(account(), turn('hi'));
    const upstream = expectUpstreamError(error, 'rate_limited');
    expect(upstream.retryAfterSeconds).toBe(17);
    expect(upstream.upstreamCode).toBe('rate_limit_exceeded');
  });

  it('maps 5xx to upstream_error', async () => {
    sim.setFault(KEY, { type: 'server_error', status: 503 }, 1);
    const { error } = await run(account(), turn('hi'));
    expect(expectUpstreamError(error, 'upstream_error').status).toBe(503);
  });

  it('maps a Cloudflare page to upstream_challenge', async () => {
    sim.setFault(KEY, { type: 'cloudflare' }, 1);
    const { error } = await run(account(), turn('hi'));
    expectUpstreamError(error, 'upstream_challenge');
  });

  it('maps a hang before the first byte to timeout', async () => {
    sim.setFault(KEY, { type: 'hang' }, 1);
    const { error } = await run(account({ timeouts: { firstByteMs: 300, idleMs: 5_000 } }), turn('hi'));
    expect(expectUpstreamError(error, 'timeout').afterFirstByte).toBe(false);
  });

  it('maps a stall mid-stream to timeout after the first byte', async () => {
    sim.setFault(KEY, { type: 'stall_mid_stream', afterChunks: 2 }, 1);
    const { text, error } = await run(account({ timeouts: { firstByteMs: 5_000, idleMs: 300 } }), turn('hi'));
    expect(text.length).toBeGreaterThan(0);
    expect(expectUpstreamError(error, 'timeout').afterFirstByte).toBe(true);
  });

  it('maps a reset mid-stream to a network error after the first byte', async () => {
    // With no delay the reset can arrive in the same packet as the text, and the text is dropped.
    sim.setOptions({ chunkDelayMs: 20 });
    sim.setFault(KEY, { type: 'reset_mid_stream', afterChunks: 3 }, 1);
    const { text, error } = await run(account(), turn('a longer question about resets'));
    expect(simulatedReply('a longer question about resets', 0).startsWith(text)).toBe(true);
    expect(text.length).toBeGreaterThan(0);
    expect(expectUpstreamError(error, 'network').afterFirstByte).toBe(true);
  });

  it('joins the deltas that arrive in one network chunk, and keeps the text whole', async () => {
    const { events, text, error } = await run(account(), turn('Tell me about llamas'));
    expect(error).toBeUndefined();
    expect(text).toBe(simulatedReply('Tell me about llamas', 0));
    const deltas = events.filter((e) => e.type === 'delta').length;
    const words = simulatedReply('Tell me about llamas', 0).split(' ').length;
    expect(deltas).toBeGreaterThanOrEqual(1);
    expect(deltas).toBeLessThan(words);
  });

  it('maps a malformed chunk to bad_response', async () => {
    sim.setFault(KEY, { type: 'malformed_chunk', afterChunks: 2 }, 1);
    const { error } = await run(account(), turn('hi'));
    expect(expectUpstreamError(error, 'bad_response').afterFirstByte).toBe(true);
  });

  it('aborts the upstream call when the signal fires and the simulator sees it', async () => {
    sim.setOptions({ chunkDelayMs: 100 });
    const before = sim.aborted;
    const controller = new AbortController();
    const events: TurnEvent[] = [];
    let error: unknown;
    try {
      for await (const event of provider.streamTurn(
        account(),
        turn('abort me', { signal: controller.signal }),
      )) {
        events.push(event);
        if (event.type === 'delta') controller.abort();
      }
    } catch (caught) {
      error = caught;
    }
    expect(events.filter((e) => e.type === 'delta')).toHaveLength(1);
    expect(expectUpstreamError(error, 'cancelled').afterFirstByte).toBe(true);
    await waitFor(() => sim.aborted > before, 'the simulator to count the abort');
  });

  it('drops the upstream call when the caller stops reading', async () => {
    sim.setOptions({ chunkDelayMs: 100 });
    const before = sim.aborted;
    for await (const event of provider.streamTurn(account(), turn('stop reading'))) {
      if (event.type === 'delta') break;
    }
    await waitFor(() => sim.aborted > before, 'the simulator to count the abort');
  });
});

describeWithBinary('microsocks', 'OpenAI-compatible provider through a SOCKS5 proxy', () => {
  let proxy: Microsocks | undefined;
  afterEach(async () => {
    await proxy?.stop();
    proxy = undefined;
  });

  it('streams through the proxy', async () => {
    proxy = await startMicrosocks({ user: 'u', password: 'pw', bindAddress: '127.0.0.2' });
    const { text, error } = await run(account({ dispatcher: registry.get(proxy.url) }), turn('via socks'));
    expect(error).toBeUndefined();
    expect(text).toBe(simulatedReply('via socks', 0));
    expect(sim.log.at(-1)).toMatchObject({ path: '/v1/chat/completions', remoteAddress: '127.0.0.2' });
  });

  it('reports a network error naming the account when the proxy is down', async () => {
    proxy = await startMicrosocks();
    const url = proxy.url.replace('socks5:', 'socks5h:');
    await proxy.stop();
    proxy = undefined;
    const { error } = await run(account({ dispatcher: registry.get(url) }), turn('hi'));
    expect(expectUpstreamError(error, 'network').afterFirstByte).toBe(false);
  });
});
