import { AuthenticationError, type APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../../../test/helpers/stack.js';
import { createPageClient } from '../pages/test-support.js';
import { clientFor, userAsks } from '../v1/test-support.js';

/** Keys that stop working at a time the admin sets (`key_expires_at`), end to end. */
describe('key expiry through the admin API', () => {
  let stack: Stack;
  const admin = () => ({ authorization: `Bearer ${stack.adminKey}` });
  const inFuture = (ms: number) => new Date(Date.now() + ms).toISOString();
  const patch = (userId: string, json: Record<string, unknown>) =>
    stack.call(`/api/admin/users/${userId}`, { method: 'PATCH', json, headers: admin() });
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  beforeAll(async () => {
    stack = await startStack({ accounts: [{ name: 'web-1' }] });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('sets an expiry at creation and shows it, never the key', async () => {
    const created = await stack.call('/api/admin/users', {
      json: { userid: 'temp', key_expires_at: '2999-01-31' },
      headers: admin(),
    });
    expect(created.status, created.text).toBe(200);
    expect(created.json?.user).toMatchObject({ key_expires_at: '2999-01-31T00:00:00.000Z' });
    const listed = await stack.call('/api/admin/users/temp', { headers: admin() });
    expect(listed.json?.user).toMatchObject({ key_expires_at: '2999-01-31T00:00:00.000Z' });
    expect(listed.text).not.toContain(created.json?.api_key as string);
  });

  it.each([
    ['a past date', '2001-01-01'],
    ['a date-time without its zone', '2999-01-01T10:00'],
    ['words', 'next week'],
    ['an impossible date', '2999-02-31T00:00:00Z'],
  ])('refuses %s with 400 naming key_expires_at', async (_name, value) => {
    const res = await stack.call('/api/admin/users', {
      json: { userid: `bad-${value.length}`, key_expires_at: value },
      headers: admin(),
    });
    expect(res.status, res.text).toBe(400);
    expect(res.json).toMatchObject({ status: 'error', field: 'key_expires_at' });
  });

  it('refuses an expired key on /v1, /api/chat and in a browser session, with 401 key_expired', async () => {
    const key = await stack.addUser('brief');
    const browser = createPageClient(stack.url);
    expect((await browser.signIn(key)).status).toBe(303);
    expect((await browser.get('/chat')).text).toContain('brief');
    expect((await patch('brief', { key_expires_at: inFuture(400) })).status).toBe(200);
    const before = await stack.call('/api/chat', { json: { user: key, prompt: 'still fine' } });
    expect(before.status, before.text).toBe(200);

    await sleep(500);
    const chat = await stack.call('/api/chat', { json: { user: key, prompt: 'too late' } });
    expect(chat.status).toBe(401);
    expect(chat.json).toMatchObject({ status: 'error', code: 'key_expired' });
    const v1 = await clientFor(stack, key)
      .chat.completions.create({ model: 'auto', messages: userAsks('too late') })
      .catch((e: unknown) => e);
    expect(v1).toBeInstanceOf(AuthenticationError);
    expect((v1 as APIError).code).toBe('key_expired');
    expect((await browser.get('/chat')).text).not.toContain('brief');

    // Moved into the future again, the same key works.
    expect((await patch('brief', { key_expires_at: inFuture(60_000) })).status).toBe(200);
    expect((await stack.call('/api/chat', { json: { user: key, prompt: 'back' } })).status).toBe(200);
  });

  it('clears an expiry with null, and rotates to a key with its own', async () => {
    await stack.addUser('rot');
    expect((await patch('rot', { key_expires_at: '2999-06-01' })).json?.user).toMatchObject({
      key_expires_at: '2999-06-01T00:00:00.000Z',
    });
    const cleared = await patch('rot', { key_expires_at: null });
    expect(cleared.status).toBe(200);
    expect(cleared.json?.user).toMatchObject({ key_expires_at: null });
    const rotated = await stack.call('/api/admin/users/rot/rotate-key', {
      method: 'POST',
      json: { key_expires_at: '2999-07-01T12:00:00+02:00' },
      headers: admin(),
    });
    expect(rotated.status, rotated.text).toBe(200);
    expect(rotated.json?.user).toMatchObject({ key_expires_at: '2999-07-01T10:00:00.000Z' });
  });

  it('answers a PATCH that changes nothing with the user, not an error', async () => {
    await stack.addUser('same');
    const res = await patch('same', {});
    expect(res.status, res.text).toBe(200);
    expect(res.json?.user).toMatchObject({ user_id: 'same', key_expires_at: null });
  });
});
