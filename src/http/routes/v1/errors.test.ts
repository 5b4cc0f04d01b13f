import type { APIError } from 'openai';
import type OpenAI from 'openai';
import { InternalServerError, RateLimitError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulatedReply } from '../../../../test/upstream-sim/index.js';
import type { Stack } from '../../../../test/helpers/stack.js';
import { API_SECRET, clientFor, startV1Stack } from './test-support.js';

describe('/v1 limits and availability, as the openai client sees them', () => {
  let stack: Stack;
  let key: string;
  beforeAll(async () => {
    stack = await startV1Stack();
    key = await stack.addUser('carol');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const ask = (client: OpenAI, prompt: string) =>
    client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: prompt }] });

  it('retries after retry-after when the only account is rate limited once', async () => {
    stack.sim.setFault(API_SECRET, { type: 'rate_limit', retryAfter: 1 }, 1);
    const before = stack.sim.log.filter((e) => e.path === '/v1/chat/completions').length;
    const completion = await ask(clientFor(stack, key, 1), 'patience');
    expect(completion.choices[0]?.message.content).toBe(simulatedReply('patience', 0));
    const calls = stack.sim.log.filter((e) => e.path === '/v1/chat/completions');
    expect(calls.slice(before).map((e) => e.status)).toEqual([429, 200]);
  });

  it('raises RateLimitError with retry-after and OpenAI’s code when retries are off', async () => {
    stack.sim.setFault(API_SECRET, { type: 'rate_limit', retryAfter: 1 }, 1);
    const error = await ask(clientFor(stack, key, 0), 'now').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    const rateLimit = error as RateLimitError;
    expect(rateLimit.headers.get('retry-after')).toBe('1');
    expect(rateLimit.code).toBe('rate_limit_exceeded');
    expect(rateLimit.type).toBe('rate_limit_error');
    // The account now cools down: the pool's own 429 carries retry-after, and the client waits it out.
    const later = await ask(clientFor(stack, key, 3), 'later');
    expect(later.choices[0]?.message.content).toBe(simulatedReply('later', 0));
  });

  it('answers 503 with OpenAI’s error shape when no account can serve', async () => {
    await stack.server.server.runtime.pool.disable('api-1', 'test');
    try {
      const error = await ask(clientFor(stack, key, 0), 'anyone?').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InternalServerError);
      expect((error as APIError).status).toBe(503);
      expect((error as APIError).error).toMatchObject({
        type: 'server_error',
        code: 'no_account_available',
        message: expect.any(String),
      });
    } finally {
      await stack.server.server.runtime.pool.enable('api-1');
    }
  });

  it('renders unknown /v1 routes and bad JSON in OpenAI’s shape', async () => {
    const missing = await stack.call('/v1/nothing-here', { headers: { authorization: `Bearer ${key}` } });
    expect(missing.status).toBe(404);
    expect(missing.json?.error).toMatchObject({ type: 'invalid_request_error' });
    const bad = await fetch(`${stack.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: '{not json',
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: unknown }).error).toMatchObject({
      type: 'invalid_request_error',
      code: 'invalid_json',
    });
  });

  it('answers a missing key with 401 missing_api_key', async () => {
    const res = await stack.call('/v1/models');
    expect(res.status).toBe(401);
    expect(res.json?.error).toMatchObject({ code: 'missing_api_key' });
  });
});
