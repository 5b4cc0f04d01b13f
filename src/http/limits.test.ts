import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../config/schema.js';
import {
  containsNul,
  formParser,
  httpServerOptions,
  jsonDepth,
  registerEdgeLimits,
  resolveLimits,
} from './limits.js';
import { sendError } from './errors.js';

describe('edge limits', () => {
  it('fills missing limits with the documented defaults', () => {
    const resolved = resolveLimits({ ...DEFAULT_LIMITS, max_json_depth: undefined, queue_max: 5 });
    expect(resolved).toMatchObject({ max_json_depth: 64, queue_max: 5, max_concurrent_turns: 512 });
  });

  it('measures JSON depth outside strings only, stopping past the limit', () => {
    expect(jsonDepth('{"a":[1,{"b":2}]}', 64)).toBe(3);
    expect(jsonDepth('{"a":"[[[[{{{{\\"[["}', 64)).toBe(1);
    expect(jsonDepth('['.repeat(1000), 64)).toBe(65);
  });

  it('parses forms like before and refuses too many fields', () => {
    const parse = formParser(resolveLimits({ ...DEFAULT_LIMITS, max_form_fields: 3 }));
    expect(parse('a=1&a=2&b=x+y')).toEqual({ a: ['1', '2'], b: 'x y' });
    expect(() => parse('a=1&b=2&c=3&d=4')).toThrow(
      expect.objectContaining({ status: 413, code: 'too_many_fields' }),
    );
  });

  it('finds NUL characters in nested values and keys', () => {
    expect(containsNul({ a: [{ b: 'ok' }] })).toBe(false);
    expect(containsNul({ a: [{ b: 'n\u0000' }] })).toBe(true);
    expect(containsNul({ ['k\u0000']: 1 })).toBe(true);
  });

  it('refuses a NUL escaped anywhere in a JSON body, and takes the text "\\u0000" that is no NUL', async () => {
    const app = Fastify();
    registerEdgeLimits(app, resolveLimits(DEFAULT_LIMITS));
    app.setErrorHandler((error, request, reply) => sendError(request, reply, error));
    app.post('/echo', async (request) => ({ body: request.body as unknown }));
    const post = (payload: string) =>
      app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload });
    try {
      for (const payload of ['{"a":"n\\u0000"}', '{"a":[{"k\\u0000":1}]}', '{"a":{"b":["\\u0000"]}}']) {
        const res = await post(payload);
        expect(res.statusCode, payload).toBe(400);
        expect(res.body).toContain('NUL characters are not allowed');
      }
      // An escaped backslash followed by "u0000" is six ordinary characters.
      const literal = await post('{"code":"printf(\\"\\\\u0000\\")"}');
      expect(literal.statusCode).toBe(200);
      expect(literal.json()).toEqual({ body: { code: 'printf("\\u0000")' } });
    } finally {
      await app.close();
    }
  });

  it('gives node a header limit and a request timeout it checks often enough', () => {
    const options = httpServerOptions(resolveLimits({ ...DEFAULT_LIMITS, request_timeout_ms: 2000 }));
    expect(options).toMatchObject({ maxHeaderSize: 16384, requestTimeout: 2000, headersTimeout: 2000 });
    expect(options.connectionsCheckingInterval).toBeLessThanOrEqual(500);
  });
});
