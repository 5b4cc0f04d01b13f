import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../../../test/helpers/stack.js';

describe('/api/client/add-user and /api/client/users', () => {
  let stack: Stack;
  let client: string;
  let plusClient: string;
  let plainUser: string;
  beforeAll(async () => {
    stack = await startStack({ accounts: [{ name: 'free-1' }] });
    client = await stack.addUser('acme', { client: true });
    plusClient = await stack.addUser('acme-plus', { client: true, plus: true });
    plainUser = await stack.addUser('plain');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('lets a client create a plain user whose key works and who belongs to it', async () => {
    const res = await stack.call(`/api/client/add-user?client=${client}&userid=u1&username=Una`);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      status: 'success',
      message: 'User added',
      api_key: expect.any(String),
      user: { user_id: 'u1', username: 'Una', plus: false, client: false, admin: false, created_by: 'acme' },
    });
    const chat = await stack.call(`/api/chat?user=${res.json?.api_key as string}&prompt=hi`);
    expect(chat.status).toBe(200);
    const duplicate = await stack.call('/api/client/add-user', { json: { client, userid: 'u1' } });
    expect(duplicate.status).toBe(422);
    expect(duplicate.json?.message).toBe('User already exists');
  });

  it.each([
    ['a client', 'is_client=true', 'client_cannot_create_clients'],
    ['an admin', 'is_admin=yes', 'client_cannot_create_admins'],
    ['plus it lacks', 'plus=1', 'client_cannot_grant_plus'],
  ])('refuses a client creating %s with 403', async (_what, extra, code) => {
    const res = await stack.call(`/api/client/add-user?client=${client}&userid=x-${code}&${extra}`);
    expect(res.status).toBe(403);
    expect(res.json?.code).toBe(code);
    const users = await stack.call(`/api/client/users?client=${client}`);
    expect((users.json?.users as { user_id: string }[]).map((u) => u.user_id)).not.toContain(`x-${code}`);
  });

  it('lets a plus client grant plus, and an admin create clients', async () => {
    const plus = await stack.call('/api/client/add-user', {
      form: `client=${plusClient}&userid=p1&plus=true`,
    });
    expect(plus.status).toBe(200);
    expect(plus.json?.user).toMatchObject({ plus: true, created_by: 'acme-plus' });
    const byAdmin = await stack.call(`/api/client/add-user?admin=${stack.adminKey}&userid=c2&is_client=true`);
    expect(byAdmin.status).toBe(200);
    expect(byAdmin.json?.user).toMatchObject({ client: true });
  });

  it('lists only the calling client’s users', async () => {
    const res = await stack.call('/api/client/users', { headers: { authorization: `Bearer ${client}` } });
    expect(res.status).toBe(200);
    const ids = (res.json?.users as { user_id: string }[]).map((u) => u.user_id);
    expect(ids).toContain('u1');
    expect(ids).not.toContain('p1');
    expect(ids).not.toContain('plain');
    expect(JSON.stringify(res.json)).not.toContain(client);
  });

  it('refuses keys without the client permission', async () => {
    const plain = await stack.call(`/api/client/add-user?client=${plainUser}&userid=z`);
    expect(plain.status).toBe(403);
    expect((await stack.call('/api/client/add-user?client=nope&userid=z')).status).toBe(401);
    expect((await stack.call('/api/client/add-user?userid=z')).status).toBe(401);
    const bad = await stack.call(`/api/client/add-user?client=${client}&userid=z&plus=maybe`);
    expect(bad.status).toBe(400);
    expect(bad.json?.field).toBe('plus');
  });
});
