import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulatedReply } from '../../../../test/upstream-sim/index.js';
import { testConfig } from '../../../../test/helpers/config.js';
import type { Stack } from '../../../../test/helpers/stack.js';
import { startV1Stack } from './test-support.js';

const ALLOWED = 'https://app.example';
const OTHER = 'https://evil.example';

describe('CORS for /v1 and /api', () => {
  let stack: Stack;
  let plain: Stack;
  let key: string;
  beforeAll(async () => {
    const server = { ...testConfig({ dataDir: '' }).server, cors_origins: [ALLOWED] };
    [stack, plain] = await Promise.all([startV1Stack({ server }), startV1Stack()]);
    key = await stack.addUser('dora');
  });
  afterAll(async () => {
    await Promise.all([stack?.stop(), plain?.stop()]);
  });

  const preflight = (target: Stack, path: string, origin: string) =>
    target.call(path, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type, x-stainless-os',
      },
    });

  it.each(['/v1/chat/completions', '/api/chat'])(
    'answers a preflight for %s from an allowed origin',
    async (path) => {
      const res = await preflight(stack, path, ALLOWED);
      expect(res.status).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe(ALLOWED);
      expect(res.headers['access-control-allow-methods']).toContain('POST');
      expect(res.headers['access-control-allow-headers']).toBe('authorization, content-type, x-stainless-os');
      expect(res.headers.vary).toContain('Origin');
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    },
  );

  it('gives another origin no CORS header at all', async () => {
    const res = await preflight(stack, '/v1/chat/completions', OTHER);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers['access-control-allow-headers']).toBeUndefined();
    const get = await stack.call('/v1/models', {
      headers: { origin: OTHER, authorization: `Bearer ${key}` },
    });
    expect(get.status).toBe(200);
    expect(get.headers['access-control-allow-origin']).toBeUndefined();
    expect(get.headers.vary).toContain('Origin');
  });

  it('echoes the allowed origin on real responses, errors and streams, and exposes our headers', async () => {
    const models = await stack.call('/v1/models', {
      headers: { origin: ALLOWED, authorization: `Bearer ${key}` },
    });
    expect(models.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(String(models.headers['access-control-expose-headers'])).toContain('X-Conversation-Id');
    const denied = await stack.call('/v1/models', { headers: { origin: ALLOWED } });
    expect(denied.status).toBe(401);
    expect(denied.headers['access-control-allow-origin']).toBe(ALLOWED);
    const stream = await stack.call('/v1/chat/completions', {
      headers: { origin: ALLOWED, authorization: `Bearer ${key}` },
      json: { model: 'auto', stream: true, messages: [{ role: 'user', content: 'cors' }] },
    });
    expect(stream.headers['content-type']).toContain('text/event-stream');
    expect(stream.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(stream.headers['x-conversation-id']).toEqual(expect.any(String));
    expect(stream.text).toContain(JSON.stringify(simulatedReply('cors', 0).slice(0, 3)).slice(1, -1));
    expect(stream.text.trimEnd().endsWith('data: [DONE]')).toBe(true);
  });

  it('is off by default: no preflight route and no CORS headers', async () => {
    const res = await preflight(plain, '/v1/chat/completions', ALLOWED);
    expect(res.status).toBe(404);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});
