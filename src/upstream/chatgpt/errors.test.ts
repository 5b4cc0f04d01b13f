import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isUpstreamError } from '../types.js';
import type { ProviderAccount, TurnEvent, UpstreamError } from '../types.js';
import { createChatGptProvider } from './index.js';

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

const SECRET = 'eyJhbGciOiJSUzI1NiJ9.stand-in-secret-token.signature';
const provider = createChatGptProvider();
let server: Server;
let baseUrl = '';
let handler: Handler = (_request, response) => response.end();
const dispatcher = new Agent({ connections: 1 });

beforeAll(async () => {
  server = createServer((request, response) => handler(request, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/backend-api`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await dispatcher.close();
});

const account = (overrides: Partial<ProviderAccount> = {}): ProviderAccount => ({
  name: 'alice-plus',
  kind: 'chatgpt',
  baseUrl,
  secret: SECRET,
  dispatcher,
  timeouts: { firstByteMs: 2000, idleMs: 2000 },
  ...overrides,
});

function answer(status: number, body: string, headers: Record<string, string> = {}): Handler {
  return (_request, response) => {
    response.writeHead(status, { 'content-type': 'application/json', ...headers });
    response.end(body);
  };
}

async function failureOf(run: () => Promise<unknown>): Promise<UpstreamError> {
  try {
    await run();
  } catch (error) {
    if (isUpstreamError(error)) return error;
    throw error;
  }
  throw new Error('expected an UpstreamError');
}

const listModelsFailure = (): Promise<UpstreamError> =>
  failureOf(() => provider.listModels(account(), AbortSignal.timeout(10_000)));

async function collect(events: AsyncIterable<TurnEvent>, seen: TurnEvent[]): Promise<void> {
  for await (const event of events) seen.push(event);
}

const turnRequest = (signal: AbortSignal) => ({
  messages: [{ role: 'user' as const, content: 'Hi' }],
  model: 'auto',
  signal,
});

/** Sentinel without proof of work, then `onSend` for the conversation call. */
function chatHandler(onSend: Handler): Handler {
  return (request, response) => {
    if (request.url?.includes('/sentinel/')) {
      answer(200, JSON.stringify({ token: 'req-token', proofofwork: { required: false } }))(
        request,
        response,
      );
    } else onSend(request, response);
  };
}

const sseHead = (response: ServerResponse) =>
  response.writeHead(200, { 'content-type': 'text/event-stream' });
const firstDeltaFrames =
  'event: delta_encoding\ndata: "v1"\n\n' +
  'data: {"p":"","o":"add","v":{"message":{"id":"m1","author":{"role":"assistant"},"content":{"content_type":"text","parts":["Hel"]},"status":"in_progress","recipient":"all","metadata":{}},"conversation_id":"c1"}}\n\n';

describe('ChatGPT HTTP error classification (§1.5)', () => {
  const cases: Array<{ name: string; handler: Handler; kind: string; code?: string; retryAfter?: number }> = [
    {
      name: '401 token_expired',
      handler: answer(
        401,
        '{"detail":{"code":"token_expired","message":"Provided authentication token is expired."}}',
      ),
      kind: 'auth_expired',
      code: 'token_expired',
    },
    {
      name: '401 invalid_jwt',
      handler: answer(
        401,
        '{"detail":{"code":"invalid_jwt","message":"Could not parse your authentication token."}}',
      ),
      kind: 'auth_invalid',
      code: 'invalid_jwt',
    },
    { name: '401 other', handler: answer(401, '{"detail":"Unauthorized"}'), kind: 'auth_invalid' },
    {
      name: '403 Cloudflare page',
      handler: answer(
        403,
        '<!DOCTYPE html><html><head><title>Just a moment...</title></head><body><div id="challenge-error-text"></div></body></html>',
        { 'content-type': 'text/html' },
      ),
      kind: 'upstream_challenge',
      code: 'cloudflare',
    },
    {
      name: '403 cf-mitigated header',
      handler: answer(403, '', { 'cf-mitigated': 'challenge' }),
      kind: 'upstream_challenge',
      code: 'cloudflare',
    },
    {
      name: '403 unusual activity',
      handler: answer(
        403,
        '{"detail":"Unusual activity has been detected from your device. Try again later."}',
      ),
      kind: 'upstream_challenge',
      code: 'unusual_activity',
    },
    {
      name: '429 clears_in',
      handler: answer(
        429,
        '{"detail":{"clears_in":252,"code":"model_cap_exceeded","message":"You have sent too many messages."}}',
        { 'retry-after': '10' },
      ),
      kind: 'rate_limited',
      code: 'model_cap_exceeded',
      retryAfter: 252,
    },
    {
      name: '429 Retry-After',
      handler: answer(429, '{"detail":"Too many requests in 1 hour. Try again later."}', {
        'retry-after': '120',
      }),
      kind: 'rate_limited',
      retryAfter: 120,
    },
    {
      name: '429 without hints',
      handler: answer(429, '{"detail":"Too many requests in 1 hour. Try again later."}'),
      kind: 'rate_limited',
      retryAfter: 3600,
    },
    {
      name: '409 busy',
      handler: answer(
        409,
        '{"detail":"Only one message at a time. Please allow any other responses to complete."}',
      ),
      kind: 'account_busy',
    },
    {
      name: '429 busy',
      handler: answer(
        429,
        '{"detail":"Only one message at a time. Please allow any other responses to complete."}',
      ),
      kind: 'account_busy',
    },
    {
      name: '404 conversation',
      handler: answer(404, '{"detail":"Can\'t load conversation 1234"}'),
      kind: 'invalid_request',
    },
    {
      name: '404 model not found',
      handler: answer(404, '{"detail":{"code":"model_not_found","message":"Model gpt-5 is not available."}}'),
      kind: 'invalid_request',
      code: 'model_not_found',
    },
    { name: '404 unknown path', handler: answer(404, '{"detail":"Not Found"}'), kind: 'upstream_error' },
    { name: '500', handler: answer(500, '{"detail":"Internal server error"}'), kind: 'upstream_error' },
    { name: '502 HTML', handler: answer(502, '<html>Bad gateway</html>'), kind: 'upstream_error' },
    { name: '524', handler: answer(524, 'error code: 524 A timeout occurred'), kind: 'upstream_error' },
  ];

  for (const testCase of cases) {
    it(`${testCase.name} → ${testCase.kind}`, async () => {
      handler = testCase.handler;
      const error = await listModelsFailure();
      expect(error.kind).toBe(testCase.kind);
      expect(error.account).toBe('alice-plus');
      expect(error.message).toContain('alice-plus');
      expect(error.afterFirstByte).toBe(false);
      if (testCase.code) expect(error.upstreamCode).toBe(testCase.code);
      if (testCase.retryAfter !== undefined) expect(error.retryAfterSeconds).toBe(testCase.retryAfter);
    });
  }

  it('redacts the account secret echoed by the upstream', async () => {
    handler = answer(
      401,
      JSON.stringify({ detail: { code: 'invalid_token', message: `bad token ${SECRET}` } }),
    );
    const error = await listModelsFailure();
    expect(error.message).not.toContain(SECRET);
    expect(error.message).toContain('[REDACTED]');
  });

  it('releases the connection after each error (one-connection pool keeps working)', async () => {
    handler = answer(500, 'x'.repeat(200_000));
    for (let attempt = 0; attempt < 5; attempt += 1)
      expect((await listModelsFailure()).kind).toBe('upstream_error');
    handler = answer(200, '{"models":[{"slug":"auto","title":"Auto","max_tokens":8191}]}');
    expect(await provider.listModels(account(), AbortSignal.timeout(5000))).toEqual([
      { id: 'auto', title: 'Auto', maxTokens: 8191 },
    ]);
  });
});

describe('ChatGPT connection failures', () => {
  it('connection refused → network', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await failureOf(() =>
      provider.listModels(account({ baseUrl: `http://127.0.0.1:${port}` }), AbortSignal.timeout(5000)),
    );
    expect(error.kind).toBe('network');
  });

  it('socket reset before an answer → network', async () => {
    handler = (request) => request.socket.destroy();
    expect((await listModelsFailure()).kind).toBe('network');
  });

  it('no response headers within firstByteMs → timeout', async () => {
    handler = () => undefined;
    const error = await failureOf(() =>
      provider.listModels(
        account({ timeouts: { firstByteMs: 300, idleMs: 300 } }),
        AbortSignal.timeout(10_000),
      ),
    );
    expect(error.kind).toBe('timeout');
  });

  it('a stream that stalls longer than idleMs → timeout after first byte', async () => {
    handler = chatHandler((_request, response) => {
      sseHead(response);
      response.write(firstDeltaFrames);
    });
    const seen: TurnEvent[] = [];
    const error = await failureOf(() =>
      collect(
        provider.streamTurn(
          account({ timeouts: { firstByteMs: 2000, idleMs: 300 } }),
          turnRequest(AbortSignal.timeout(10_000)),
        ),
        seen,
      ),
    );
    expect(seen).toContainEqual({ type: 'delta', text: 'Hel' });
    expect(error.kind).toBe('timeout');
    expect(error.afterFirstByte).toBe(true);
  });

  it('a stream that ends without completion → bad_response after first byte', async () => {
    handler = chatHandler((_request, response) => {
      sseHead(response);
      response.end(firstDeltaFrames);
    });
    const seen: TurnEvent[] = [];
    const error = await failureOf(() =>
      collect(provider.streamTurn(account(), turnRequest(AbortSignal.timeout(10_000))), seen),
    );
    expect(error.kind).toBe('bad_response');
    expect(error.afterFirstByte).toBe(true);
  });

  it('abort through the signal mid-stream → cancelled', async () => {
    handler = chatHandler((_request, response) => {
      sseHead(response);
      response.write(firstDeltaFrames);
    });
    const controller = new AbortController();
    const seen: TurnEvent[] = [];
    const error = await failureOf(async () => {
      for await (const event of provider.streamTurn(account(), turnRequest(controller.signal))) {
        seen.push(event);
        if (event.type === 'delta') controller.abort();
      }
    });
    expect(error.kind).toBe('cancelled');
    expect(error.afterFirstByte).toBe(true);
  });

  it('abort before the answer → cancelled', async () => {
    handler = () => undefined;
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const error = await failureOf(() => provider.listModels(account(), controller.signal));
    expect(error.kind).toBe('cancelled');
  });
});
