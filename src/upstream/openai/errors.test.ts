import { describe, expect, it } from 'vitest';
import { Agent } from 'undici';
import type { ProviderAccount } from '../types.js';
import { errorFromHttpResponse, errorFromThrown, QUOTA_EXHAUSTED_SECONDS } from './errors.js';
import { buildChatBody } from './request-body.js';

const account: ProviderAccount = {
  name: 'key-two',
  kind: 'openai',
  baseUrl: 'http://127.0.0.1:1/v1',
  secret: 'sk-secret-abcdefghijklmnop',
  dispatcher: new Agent(),
  timeouts: { firstByteMs: 1_000, idleMs: 1_000 },
};

const openAiError = (code: string | null, message: string, type = 'invalid_request_error'): string =>
  JSON.stringify({ error: { message, type, param: null, code } });

describe('errorFromHttpResponse', () => {
  it('gives insufficient_quota a long cooldown', () => {
    const error = errorFromHttpResponse(account, {
      statusCode: 429,
      headers: { 'retry-after': '5' },
      bodyText: openAiError('insufficient_quota', 'You exceeded your current quota', 'insufficient_quota'),
    });
    expect(error).toMatchObject({
      kind: 'rate_limited',
      retryAfterSeconds: QUOTA_EXHAUSTED_SECONDS,
      upstreamCode: 'insufficient_quota',
    });
  });

  it('defaults a 429 without Retry-After to 60 s', () => {
    const error = errorFromHttpResponse(account, {
      statusCode: 429,
      headers: {},
      bodyText: openAiError('rate_limit_exceeded', 'slow down'),
    });
    expect(error.retryAfterSeconds).toBe(60);
  });

  it('maps 400, 403 and unknown statuses, and redacts echoed secrets', () => {
    expect(
      errorFromHttpResponse(account, { statusCode: 400, headers: {}, bodyText: openAiError(null, 'bad') })
        .kind,
    ).toBe('invalid_request');
    const forbidden = errorFromHttpResponse(account, {
      statusCode: 403,
      headers: {},
      bodyText: openAiError('unsupported_country_region_territory', 'Country not supported'),
    });
    expect(forbidden).toMatchObject({
      kind: 'auth_invalid',
      upstreamCode: 'unsupported_country_region_territory',
    });
    const echoed = errorFromHttpResponse(account, {
      statusCode: 401,
      headers: {},
      bodyText: openAiError('invalid_api_key', `Incorrect API key provided: ${account.secret}`),
    });
    expect(echoed.message).toContain('key-two');
    expect(echoed.message).not.toContain(account.secret);
    expect(errorFromHttpResponse(account, { statusCode: 418, headers: {}, bodyText: '' }).kind).toBe(
      'upstream_error',
    );
  });
});

describe('errorFromThrown', () => {
  it('classifies undici timeouts and does not keep raw causes', () => {
    const raw = Object.assign(new Error('Headers Timeout Error'), {
      code: 'UND_ERR_HEADERS_TIMEOUT',
      options: { password: 'proxy-pass' },
    });
    const error = errorFromThrown(account, raw, {
      signal: new AbortController().signal,
      afterFirstByte: false,
      step: 'x',
    });
    expect(error.kind).toBe('timeout');
    expect(JSON.stringify(error.cause)).not.toContain('proxy-pass');
  });
});

describe('buildChatBody', () => {
  it('always streams with usage and passes only known sampling options', () => {
    const body = JSON.parse(
      buildChatBody(account, {
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'hi' }],
        sampling: { temperature: 0.5, stop: ['x'], seed: 3, ...({ tools: [] } as object) },
        signal: new AbortController().signal,
      }),
    );
    expect(body).toEqual({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0.5,
      stop: ['x'],
      seed: 3,
    });
    const plain = JSON.parse(
      buildChatBody(
        { ...account, options: { streamOptions: false } },
        { model: 'm', messages: [], signal: new AbortController().signal },
      ),
    );
    expect(plain.stream_options).toBeUndefined();
  });
});
