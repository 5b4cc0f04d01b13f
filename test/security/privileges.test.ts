/** Rows 7, 8, 10, 19: callers cannot steer upstreams, gain plus, grant themselves rights, or use CORS. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../helpers/config.js';
import { startStack, type Stack } from '../helpers/stack.js';

describe('security: privileges and upstream steering', () => {
  let stack: Stack;
  let trap: http.Server;
  let trapHits = 0;
  let trapUrl: string;
  let free: string;
  let client: string;
  beforeAll(async () => {
    trap = http.createServer((req, res) => {
      trapHits += 1;
      req.resume();
      res.end('{}');
    });
    await new Promise<void>((r) => trap.listen(0, '127.0.0.1', r));
    trapUrl = `http://127.0.0.1:${(trap.address() as AddressInfo).port}`;
    const base = testConfig({ dataDir: '' });
    stack = await startStack({
      accounts: [{ name: 'free-1' }, { name: 'plus-1', plus: true }, { name: 'api-1', kind: 'openai' }],
      config: { server: { ...base.server, cors_origins: ['https://app.example'] } },
    });
    free = await stack.addUser('free-user');
    client = await stack.addUser('client-1', { client: true });
  });
  afterAll(async () => {
    await stack?.stop();
    await new Promise((r) => trap?.close(r));
  });

  it('row 7: request fields naming an upstream host, base URL, proxy or API key are ignored or refused', async () => {
    const steering = {
      base_url: trapUrl,
      api_base: trapUrl,
      baseURL: trapUrl,
      host: trapUrl,
      upstream: trapUrl,
      proxy: `http://${new URL(trapUrl).host}`,
      api_key: 'sk-attacker',
      options: { base_url: trapUrl, proxy: trapUrl },
      extra_body: { base_url: trapUrl },
    };
    const api = await stack.call('/api/chat', { json: { user: free, prompt: 'steer', ...steering } });
    const v1 = await stack.call('/v1/chat/completions', {
      json: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'steer' }], ...steering },
      headers: { authorization: `Bearer ${free}` },
    });
    const query = await stack.call(
      `/api/chat?user=${free}&prompt=steer&base_url=${encodeURIComponent(trapUrl)}&proxy=${encodeURIComponent(trapUrl)}`,
    );
    for (const res of [api, v1, query]) expect([200, 400]).toContain(res.status);
    expect(trapHits).toBe(0);
    expect(stack.sim.log.some((l) => l.token === 'sk-attacker')).toBe(false);
  });

  it('row 8: a key without plus asking for plus or a premium model gets 403 before any upstream call; nothing counted', async () => {
    const before = stack.sim.log.length;
    const store = stack.server.server.store;
    const conversationsBefore = (
      await store.conversations.search({ userId: 'free-user', limit: 100, offset: 0 })
    ).total;
    const asks = [
      await stack.call(`/api/chat?user=${free}&prompt=p&plus=true`),
      await stack.call(`/api/chat?user=${free}&prompt=p&model=gpt-4o`),
      await stack.call('/v1/chat/completions', {
        json: { model: 'gpt-4o', messages: [{ role: 'user', content: 'p' }] },
        headers: { authorization: `Bearer ${free}` },
      }),
    ];
    for (const res of asks) expect(res.status).toBe(403);
    expect(stack.sim.log.length).toBe(before);
    const conversationsAfter = (
      await store.conversations.search({ userId: 'free-user', limit: 100, offset: 0 })
    ).total;
    expect(conversationsAfter).toBe(conversationsBefore);
  });

  it('row 10: a non-admin cannot grant itself or others admin, client, plus or limits; a client cannot create clients or admins', async () => {
    const selfEdit = await stack.call('/api/admin/update-user', {
      json: { user_id: 'free-user', plus: true, is_admin: true, limits: { requests_per_minute: 100000 } },
      headers: { authorization: `Bearer ${free}` },
    });
    expect(selfEdit.status).toBe(403);
    const create = await stack.call('/api/admin/users', {
      json: { userid: 'sneaky', is_admin: true },
      headers: { authorization: `Bearer ${free}` },
    });
    expect(create.status).toBe(403);
    const viaClientRouteAsUser = await stack.call('/api/client/add-user', {
      json: { client: free, userid: 'sneaky2' },
    });
    expect(viaClientRouteAsUser.status).toBe(403);
    for (const grant of [{ is_client: true }, { is_admin: true }, { plus: true }]) {
      const res = await stack.call('/api/client/add-user', {
        json: { client, userid: `sub-${Object.keys(grant)[0]}`, ...grant },
      });
      expect(res.status).toBe(403);
    }
    const plain = await stack.call('/api/client/add-user', { json: { client, userid: 'sub-plain' } });
    expect(plain.status).toBe(200);
    const row = await stack.server.server.store.users.findById('sub-plain');
    expect(row).toMatchObject({ is_admin: 0, is_client: 0, is_plus: 0, created_by: 'client-1' });
    const me = await stack.server.server.store.users.findById('free-user');
    expect(me).toMatchObject({ is_admin: 0, is_client: 0, is_plus: 0, limits: null });
  });

  it('row 19: Origin https://evil.example gets no CORS; a configured origin is echoed, never * with credentials', async () => {
    const evil = await stack.call(`/api/recall?user=${free}`, {
      headers: { origin: 'https://evil.example' },
    });
    expect(evil.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await stack.call('/v1/chat/completions', {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    const good = await stack.call(`/api/recall?user=${free}`, { headers: { origin: 'https://app.example' } });
    expect(good.headers['access-control-allow-origin']).toBe('https://app.example');
    for (const res of [evil, preflight, good]) {
      expect(res.headers['access-control-allow-origin']).not.toBe('*');
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    }
  });
});
