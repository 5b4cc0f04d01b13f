import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { SIM_CUTOFF_MARKER, simulatedReply, startUpstreamSim } from './index.js';
import type { UpstreamSim } from './index.js';
import { parseSse, waitFor } from './test-client.js';

let sim: UpstreamSim;
beforeEach(async () => {
  sim = await startUpstreamSim();
  sim.addApiKey('sk-good');
  sim.addApiKey('sk-mini', ['gpt-4o-mini']);
});
afterEach(async () => {
  await sim.close();
});

const messages = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'First' },
  { role: 'assistant', content: 'Earlier answer' },
  { role: 'user', content: [{ type: 'text', text: 'Second' }] },
];

function complete(body: Record<string, unknown>, key = 'sk-good', timeoutMs?: number) {
  return request(`${sim.openaiBaseUrl}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
}

interface Completion {
  id: string;
  object: string;
  model: string;
  choices: { index: number; message: { role: string; content: string }; finish_reason: string }[];
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

describe('OpenAI API', () => {
  it('answers a non-streamed completion, twice with distinct ids (cached path)', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 2; i++) {
      const res = await complete({ model: 'gpt-4o', messages });
      expect(res.statusCode).toBe(200);
      const body = (await res.body.json()) as Completion;
      expect(body.object).toBe('chat.completion');
      expect(body.model).toBe('gpt-4o');
      expect(body.choices[0]).toMatchObject({
        index: 0,
        message: { role: 'assistant', content: simulatedReply('Second', 1) },
        finish_reason: 'stop',
      });
      expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens + body.usage.completion_tokens);
      expect(body.usage.completion_tokens).toBeGreaterThan(0);
      ids.add(body.id);
    }
    expect(ids.size).toBe(2);
  });

  it('streams chunks, a usage chunk when asked, then [DONE]', async () => {
    const res = await complete({
      model: 'gpt-4o-mini',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/event-stream');
    const events = parseSse(await res.body.text());
    expect(events.at(-1)?.data).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.data));
    expect(chunks.every((c) => c.object === 'chat.completion.chunk')).toBe(true);
    const text = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
    expect(text).toBe(simulatedReply('Second', 1));
    expect(chunks.find((c) => c.choices[0]?.finish_reason)?.choices[0].finish_reason).toBe('stop');
    expect(chunks.at(-1).choices).toEqual([]);
    expect(chunks.at(-1).usage.total_tokens).toBeGreaterThan(0);
  });

  it('omits the usage chunk by default and reports length for a cut-off reply', async () => {
    const res = await complete({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: `x ${SIM_CUTOFF_MARKER}` }],
      stream: true,
    });
    const chunks = parseSse(await res.body.text())
      .filter((e) => e.data !== '[DONE]')
      .map((e) => JSON.parse(e.data));
    expect(chunks.some((c) => c.usage)).toBe(false);
    expect(chunks.at(-1).choices[0].finish_reason).toBe('length');
  });

  it('rejects unknown keys, unknown models and bad bodies in the OpenAI error shape', async () => {
    const badKey = await complete({ model: 'gpt-4o', messages }, 'sk-nope');
    expect(badKey.statusCode).toBe(401);
    expect(((await badKey.body.json()) as { error: { code: string } }).error.code).toBe('invalid_api_key');
    const badModel = await complete({ model: 'gpt-4o', messages }, 'sk-mini');
    expect(badModel.statusCode).toBe(404);
    expect(await badModel.body.json()).toMatchObject({
      error: { type: 'invalid_request_error', code: 'model_not_found', param: 'model' },
    });
    const noMessages = await complete({ model: 'gpt-4o' });
    expect(noMessages.statusCode).toBe(400);
    expect(((await noMessages.body.json()) as { error: { message: string } }).error.message).toContain(
      'messages',
    );
  });

  it('lists the models of a key', async () => {
    const res = await request(`${sim.openaiBaseUrl}/models`, {
      headers: { authorization: 'Bearer sk-mini' },
    });
    expect(await res.body.json()).toEqual({
      object: 'list',
      data: [{ id: 'gpt-4o-mini', object: 'model', created: 1_700_000_000, owned_by: 'system' }],
    });
  });

  it('applies faults to API keys', async () => {
    sim.setFault('sk-good', { type: 'rate_limit', retryAfter: 7 }, 1);
    const limited = await complete({ model: 'gpt-4o', messages });
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBe('7');
    expect(((await limited.body.json()) as { error: { code: string } }).error.code).toBe(
      'rate_limit_exceeded',
    );

    sim.setFault('sk-good', { type: 'server_error', status: 503 }, 1);
    const down = await complete({ model: 'gpt-4o', messages });
    expect(down.statusCode).toBe(503);
    expect(((await down.body.json()) as { error: { type: string } }).error.type).toBe('server_error');

    sim.setFault('sk-good', { type: 'malformed_chunk', afterChunks: 0 }, 1);
    const broken = await complete({ model: 'gpt-4o', messages });
    expect(broken.statusCode).toBe(200);
    await expect(broken.body.json()).rejects.toThrow();

    sim.setFault('sk-good', { type: 'reset_mid_stream', afterChunks: 2 }, 1);
    const reset = await complete({ model: 'gpt-4o', messages, stream: true });
    await expect(reset.body.text()).rejects.toThrow();

    sim.expireToken('sk-good');
    const expired = await complete({ model: 'gpt-4o', messages });
    expect(expired.statusCode).toBe(401);
    await expired.body.dump();
  });

  it('counts a streamed reply the client abandons as aborted', async () => {
    sim.setOptions({ chunkDelayMs: 30 });
    const res = await complete({ model: 'gpt-4o', messages, stream: true });
    expect(res.statusCode).toBe(200);
    res.body.on('error', () => undefined).destroy();
    await waitFor(() => sim.aborted === 1);
  });
});
