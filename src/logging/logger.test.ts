import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';
import { CENSORED, censorSecretFields } from './secret-fields.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n'))
        if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger({ destination }), lines };
}

describe('log lines', () => {
  it('censor secret-named fields below any top-level key, and leave the caller’s object alone', () => {
    const { logger, lines } = capture();
    const account = {
      name: 'a1',
      api_key: 'sk-secret-1234567890',
      password: 'hunter2',
      base_url: 'http://x',
    };
    logger.info({ account, login: { session_token: 's1', refresh_token: 'r1', access_token: 't1' } }, 'm');
    expect(lines[0]?.['account']).toEqual({
      name: 'a1',
      api_key: CENSORED,
      password: CENSORED,
      base_url: 'http://x',
    });
    expect(lines[0]?.['login']).toEqual({
      session_token: CENSORED,
      refresh_token: CENSORED,
      access_token: CENSORED,
    });
    expect(account.api_key).toBe('sk-secret-1234567890');
  });

  it('censor credential headers, and keep an error’s message and stack', () => {
    const { logger, lines } = capture();
    const err = Object.assign(new Error('boom'), { password: 'p' });
    logger.warn(
      {
        res: { headers: { 'set-cookie': 'sid=1', 'content-type': 'text/plain' } },
        upstream: { headers: { authorization: 'Bearer x', cookie: 'c', 'x-api-key': 'k' } },
        err,
      },
      'm',
    );
    const line = lines[0] ?? {};
    expect(line['res']).toEqual({ headers: { 'set-cookie': CENSORED, 'content-type': 'text/plain' } });
    expect(line['upstream']).toEqual({
      headers: { authorization: CENSORED, cookie: CENSORED, 'x-api-key': CENSORED },
    });
    expect(line['err']).toMatchObject({ message: 'boom', password: CENSORED });
    expect(String((line['err'] as { stack?: unknown }).stack)).toContain('Error: boom');
  });

  it('return a line without secrets as it is, unchanged and uncopied', () => {
    const fields = {
      req: { method: 'GET', headers: { accept: '*/*' } },
      status: 200,
      list: [{ password: 'kept-in-arrays' }],
    };
    expect(censorSecretFields(fields)).toBe(fields);
  });

  it('strip secrets from the URL of a logged request', () => {
    const { logger, lines } = capture();
    logger.info({ req: { method: 'GET', url: '/api/chat?user=cas_abc&q=hi' } }, 'm');
    expect(lines[0]?.['req']).toMatchObject({ url: '/api/chat?user=[REDACTED]&q=hi' });
  });
});
