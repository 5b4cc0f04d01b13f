/** Matrix rows 1–5: bad requests are refused at the edge, and the server keeps serving. */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';
import { rawConnect } from './raw-http.js';

const TEN_MB = 10 * 1024 * 1024;

describe('security: request limits (rows 1–5)', () => {
  let stack: Stack;
  let key: string;
  beforeAll(async () => {
    stack = await startStack({ accounts: [{ name: 'free-1' }] });
    key = await stack.addUser('alice');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const keepsServing = async () => {
    const res = await stack.call(`/api/chat?user=${key}&prompt=still%20there`);
    expect(res.status).toBe(200);
    expect(res.json?.status).toBe('success');
  };

  it('row 1: a 10 MB JSON body gets 413 in the route’s JSON shape; keeps serving', async () => {
    const res = await stack.call('/api/chat', { json: { user: key, prompt: 'x'.repeat(TEN_MB) } });
    expect(res.status).toBe(413);
    expect(res.json).toMatchObject({ status: 'error', code: 'payload_too_large' });
    await keepsServing();
  });

  it('row 1: a 10 MB form body gets 413; an OpenAI route answers in its own shape', async () => {
    const form = await stack.call('/api/chat', { form: `user=${key}&prompt=${'x'.repeat(TEN_MB)}` });
    expect(form.status).toBe(413);
    expect(form.json).toMatchObject({ status: 'error', code: 'payload_too_large' });
    const v1 = await stack.call('/v1/chat/completions', {
      json: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x'.repeat(TEN_MB) }] },
      headers: { authorization: `Bearer ${key}` },
    });
    expect(v1.status).toBe(413);
    expect(v1.json).toMatchObject({ error: { code: 'payload_too_large' } });
    await keepsServing();
  });

  it('row 1: the 413 comes from Content-Length, before the body is read', async () => {
    const conn = await rawConnect(stack.url);
    conn.write(
      `POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${TEN_MB}\r\n\r\n{"user":"`,
    );
    // Only a few bytes of the announced 10 MB were sent, yet the answer is already there.
    expect(await conn.received(/^HTTP\/1\.1 413 /, 5000)).toBe(true);
    conn.destroy();
    await keepsServing();
  });

  it('row 2: malformed JSON, wrong types and an unknown plus value get 400 naming the field, no stack', async () => {
    const broken = await request(`${stack.url}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"user": "x", "prompt": ',
    });
    const brokenBody = (await broken.body.json()) as Record<string, unknown>;
    expect(broken.statusCode).toBe(400);
    expect(brokenBody).toMatchObject({ status: 'error', code: 'invalid_json' });

    const plus = await stack.call('/api/chat', { json: { user: key, prompt: 'hi', plus: 'maybe' } });
    expect(plus.status).toBe(400);
    expect(plus.json).toMatchObject({ code: 'invalid_request', field: 'plus' });

    const wrongType = await stack.call('/api/chat', { json: { user: key, prompt: { nested: 1 } } });
    expect(wrongType.status).toBe(400);
    expect(wrongType.json?.field).toBe('prompt');

    const missing = await stack.call('/api/admin/users', {
      json: { username: 'no id' },
      headers: { authorization: `Bearer ${stack.adminKey}` },
    });
    expect(missing.status).toBe(400);
    expect(missing.json?.field).toBe('userid');
    for (const res of [plus, wrongType, missing])
      expect(res.text).not.toMatch(/\bat [\w.<>]+ \(|\.ts:\d+|node_modules/);
    expect(JSON.stringify(brokenBody)).not.toMatch(/\.ts:\d+|node_modules/);
    await keepsServing();
  });

  it('row 3: a Content-Type the route does not take gets 415', async () => {
    const xml = await request(`${stack.url}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/xml' },
      body: `<chat><user>${key}</user></chat>`,
    });
    expect(xml.statusCode).toBe(415);
    expect(await xml.body.json()).toMatchObject({ code: 'unsupported_media_type' });
    await keepsServing();
  });

  it('row 4: a form with 10 000 fields is refused by the field limit; others unaffected', async () => {
    const fields = Array.from({ length: 10_000 }, (_, i) => `f${i}=1`).join('&');
    const res = await stack.call('/api/chat', { form: `user=${key}&prompt=hi&${fields}` });
    expect(res.status).toBe(413);
    expect(res.json).toMatchObject({ code: 'too_many_fields' });
    await keepsServing();
  });

  it('row 4: a query string with 500 parameters is refused (limit 256)', async () => {
    const params = Array.from({ length: 500 }, (_, i) => `q${i}=1`).join('&');
    const res = await stack.call(`/api/chat?user=${key}&${params}`);
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ code: 'too_many_fields' });
    await keepsServing();
  });

  it('row 4: JSON nested 1 000 deep is refused with 400', async () => {
    const deep = `${'['.repeat(1000)}${']'.repeat(1000)}`;
    const res = await request(`${stack.url}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"user":"${key}","prompt":"hi","extra":${deep}}`,
    });
    expect(res.statusCode).toBe(400);
    expect(await res.body.json()).toMatchObject({ code: 'json_too_deep' });
    // Brackets inside strings do not count.
    const inString = await stack.call('/api/chat', { json: { user: key, prompt: '[[[['.repeat(100) } });
    expect(inString.status).toBe(200);
  });

  it('row 4: a 64 KB header gets 431 from node; others unaffected', async () => {
    const conn = await rawConnect(stack.url);
    conn.write(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`);
    expect(await conn.received(/^HTTP\/1\.1 431 /, 5000)).toBe(true);
    conn.destroy();
    await keepsServing();
  });
});

describe('security: slow clients (row 5)', () => {
  let stack: Stack;
  let key: string;
  beforeAll(async () => {
    const base = (await import('../helpers/config.js')).testConfig({ dataDir: '' }).limits;
    stack = await startStack({ config: { limits: { ...base, request_timeout_ms: 1500 } } });
    key = await stack.addUser('bob');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('row 5: a body sent one byte at a time is cut by the request timeout; others unaffected', async () => {
    const conn = await rawConnect(stack.url);
    const body = `{"user":"${key}","prompt":"slowly"}`;
    conn.write(
      `POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    let sent = 0;
    const trickle = setInterval(() => {
      if (sent < body.length && conn.isOpen()) conn.write(body[sent++] ?? '');
    }, 200);
    try {
      // While the slow client holds its connection, a normal request is answered.
      const other = await stack.call(`/api/chat?user=${key}&prompt=meanwhile`);
      expect(other.status).toBe(200);
      expect(await conn.closed(15_000)).toBe(true);
      expect(sent).toBeLessThan(body.length);
      expect(conn.text()).not.toMatch(/^HTTP\/1\.1 200/);
    } finally {
      clearInterval(trickle);
      conn.destroy();
    }
    const after = await stack.call(`/api/chat?user=${key}&prompt=after`);
    expect(after.status).toBe(200);
  });

  it('row 5: headers never finished are cut too', async () => {
    const conn = await rawConnect(stack.url);
    conn.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    const drip = setInterval(() => conn.write('X-A: b\r\n'), 200);
    try {
      expect(await conn.closed(15_000)).toBe(true);
    } finally {
      clearInterval(drip);
      conn.destroy();
    }
  });
});
