import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulatedReply } from '../../../../test/upstream-sim/index.js';
import { startStack, type Stack } from '../../../../test/helpers/stack.js';

describe('/api/chat', () => {
  let stack: Stack;
  let key: string;
  beforeAll(async () => {
    stack = await startStack({
      accounts: [{ name: 'free-1' }, { name: 'free-2' }, { name: 'plus-1', plus: true }],
    });
    key = await stack.addUser('alice');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('answers a GET with the original parameters as JSON', async () => {
    const res = await stack.call(`/api/chat?user=${key}&prompt=${encodeURIComponent('Hello there')}`);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      status: 'success',
      reply: simulatedReply('Hello there', 0),
      api_user: 'alice',
      api_prompt: 'Hello there',
    });
    expect(res.json?.conversation_id).toEqual(expect.any(String));
    expect(['free-1', 'free-2']).toContain(res.json?.account);
  });

  it('continues a conversation on the same account with the right parent', async () => {
    const first = await stack.call('/api/chat', { json: { user: key, prompt: 'first' } });
    const conversationId = first.json?.conversation_id as string;
    const second = await stack.call('/api/chat', {
      json: { user: key, prompt: 'second', conversation_id: conversationId },
    });
    expect(second.status).toBe(200);
    expect(second.json).toMatchObject({
      reply: simulatedReply('second', 1),
      account: first.json?.account,
      conversation_id: conversationId,
      last_message_prompt: 'first',
    });
  });

  it('returns plain text with reply_only and sanitised HTML with pretty', async () => {
    const plain = await stack.call(`/api/chat?user=${key}&prompt=hi&reply_only=true`);
    expect(plain.headers['content-type']).toContain('text/plain');
    expect(plain.text).toBe(simulatedReply('hi', 0));
    const html = await stack.call(
      `/api/chat?user=${key}&prompt=${encodeURIComponent('<script>alert(1)</script>')}&reply_only=true&pretty=true`,
    );
    expect(html.headers['content-type']).toContain('text/html');
    expect(html.text).not.toMatch(/<script/i);
  });

  it('streams SSE deltas and a final event with ids', async () => {
    const res = await stack.call(`/api/chat?user=${key}&prompt=stream%20me&stream=true`);
    expect(res.headers['content-type']).toContain('text/event-stream');
    const data = res.text
      .split('\n')
      .filter((l) => l.startsWith('data: '))
      .map((l) => JSON.parse(l.slice(6)) as Record<string, unknown>);
    const text = data
      .filter((d) => d.type === 'delta')
      .map((d) => d.text)
      .join('');
    expect(text).toBe(simulatedReply('stream me', 0));
    expect(data.at(-1)).toMatchObject({
      type: 'done',
      status: 'success',
      conversation_id: expect.any(String),
    });
  });

  it('answers a blank prompt without an upstream call', async () => {
    const before = stack.sim.log.length;
    const res = await stack.call(`/api/chat?user=${key}&prompt=`);
    expect(res.status).toBe(200);
    expect(res.json?.reply).toMatch(/left the prompt blank/);
    expect(stack.sim.log.length).toBe(before);
  });

  it('refuses plus=true for a user without plus before any upstream call', async () => {
    const before = stack.sim.log.length;
    const res = await stack.call(`/api/chat?user=${key}&prompt=x&plus=true`);
    expect(res.status).toBe(403);
    expect(stack.sim.log.length).toBe(before);
  });

  it.each([
    ['no key', '/api/chat?prompt=x', 401, 'No user specified'],
    ['a wrong key', '/api/chat?user=nope&prompt=x', 401, 'Invalid user specified'],
  ])('refuses %s', async (_n, path, status, message) => {
    const res = await stack.call(path);
    expect(res.status).toBe(status);
    expect(res.json).toMatchObject({ status: 'error', message });
  });

  it('rejects an unknown plus value with 400 naming the field', async () => {
    const res = await stack.call(`/api/chat?user=${key}&prompt=x&plus=maybe`);
    expect(res.status).toBe(400);
    expect(res.json?.field).toBe('plus');
  });
});
