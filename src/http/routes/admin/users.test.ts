import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachEngine } from '../../../../test/helpers/engines.js';
import { startTestServer, type TestServer } from '../../../../test/helpers/server.js';
import { httpCall, type CallInit } from '../../../../test/helpers/http-call.js';

const call = (server: TestServer, path: string, init?: CallInit) => httpCall(server.url + path, init);

describeEachEngine('admin user routes', (engine) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ engine });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('adds a user with the original GET form and shows the key only once', async () => {
    const res = await call(
      server,
      `/api/admin/add-user?admin=${server.adminKey}&userid=u1&username=Alice&plus=true`,
    );
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ status: 'success', message: 'User added' });
    const key = res.json?.api_key as string;
    expect(key).toMatch(/^cas_[A-Za-z0-9_-]{43}$/);

    const list = await call(server, '/api/admin/users', {
      headers: { authorization: `Bearer ${server.adminKey}` },
    });
    expect(list.status).toBe(200);
    expect(list.text).not.toContain(key);
    const users = list.json?.users as {
      user_id: string;
      username: string;
      plus: boolean;
      key_last4: string;
    }[];
    expect(users.find((u) => u.user_id === 'u1')).toMatchObject({
      username: 'Alice',
      plus: true,
      key_last4: key.slice(-4),
    });

    // Only the hash is stored.
    const rows = await server.server.store.db.selectFrom('api_keys').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(key);
  });

  it('accepts the original /admin/add-user with a POST form and rejects duplicates with 422', async () => {
    const body = 'userid=u2&username=Bob&plus=false';
    const headers = { 'content-type': 'application/x-www-form-urlencoded' };
    const first = await call(server, `/admin/add-user?admin=${server.adminKey}`, {
      method: 'POST',
      body,
      headers,
    });
    expect(first.status).toBe(200);
    const again = await call(server, `/admin/add-user?admin=${server.adminKey}`, {
      method: 'POST',
      body,
      headers,
    });
    expect(again.status).toBe(422);
    expect(again.json).toMatchObject({ status: 'error', message: 'User already exists' });
  });

  it('accepts JSON bodies with a bearer admin key', async () => {
    const res = await call(server, '/api/admin/users', {
      method: 'POST',
      body: JSON.stringify({
        userid: 'u3',
        username: 'Carol',
        plus: 'yes',
        limits: { requests_per_minute: 5 },
      }),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${server.adminKey}` },
    });
    expect(res.status).toBe(200);
    expect(res.json?.user).toMatchObject({ user_id: 'u3', plus: true, limits: { requests_per_minute: 5 } });
  });

  it('rotates a key: the old one stops working as an identity, the new one is shown once', async () => {
    const created = await call(server, `/api/admin/add-user?admin=${server.adminKey}&userid=rot&username=R`);
    const oldKey = created.json?.api_key as string;
    expect(await server.server.users.authenticate(oldKey)).toMatchObject({ userId: 'rot' });
    const rotated = await call(server, `/api/admin/rotate-key?admin=${server.adminKey}&user_id=rot`);
    expect(rotated.status).toBe(200);
    const newKey = rotated.json?.api_key as string;
    expect(newKey).not.toBe(oldKey);
    expect(await server.server.users.authenticate(oldKey)).toBeUndefined();
    expect(await server.server.users.authenticate(newKey)).toMatchObject({ userId: 'rot' });
  });

  it('disables, enables, updates and removes users', async () => {
    const created = await call(server, `/api/admin/add-user?admin=${server.adminKey}&userid=d1&username=D`);
    const key = created.json?.api_key as string;
    expect((await call(server, `/api/admin/disable-user?admin=${server.adminKey}&user_id=d1`)).status).toBe(
      200,
    );
    expect(await server.server.users.authenticate(key)).toBeUndefined();
    expect((await call(server, `/api/admin/enable-user?admin=${server.adminKey}&user_id=d1`)).status).toBe(
      200,
    );
    expect(await server.server.users.authenticate(key)).toBeDefined();
    const patched = await call(server, '/api/admin/users/d1', {
      method: 'PATCH',
      body: JSON.stringify({ plus: true, is_client: true }),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${server.adminKey}` },
    });
    expect(patched.json?.user).toMatchObject({ plus: true, client: true });
    expect((await call(server, `/api/admin/remove-user?admin=${server.adminKey}&user_id=d1`)).status).toBe(
      200,
    );
    expect(await server.server.users.authenticate(key)).toBeUndefined();
    expect((await call(server, `/api/admin/remove-user?admin=${server.adminKey}&user_id=d1`)).status).toBe(
      404,
    );
  });

  it('keeps data across a restart of the store', async () => {
    await call(server, `/api/admin/add-user?admin=${server.adminKey}&userid=persist&username=P`);
    const reopened = await server.storage.open();
    try {
      expect(await reopened.users.findById('persist')).toMatchObject({ username: 'P' });
    } finally {
      await reopened.close();
    }
  });
});

describe('admin user routes: bad input (sqlite)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      config: {
        limits: {
          body_limit_bytes: 64 * 1024,
          request_timeout_ms: 30_000,
          upstream_first_byte_timeout_ms: 5000,
          upstream_idle_timeout_ms: 5000,
          upstream_connect_timeout_ms: 2000,
          queue_timeout_ms: 5000,
          queue_max: 10,
        },
      },
    });
  });
  afterAll(async () => {
    await server?.stop();
  });
  const json = { 'content-type': 'application/json' };

  it.each([
    ['no admin key', '/api/admin/users', 401],
    ['a wrong admin key', '/api/admin/users?admin=nope', 401],
    ['a SQL-injection-shaped key', `/api/admin/users?admin=${encodeURIComponent("x' OR 1=1 --")}`, 401],
  ])('refuses %s with a JSON 4xx', async (_name, path, status) => {
    const res = await call(server, path);
    expect(res.status).toBe(status);
    expect(res.json).toMatchObject({ status: 'error' });
    expect(res.text).not.toMatch(/select|sqlite|stack/i);
  });

  it('refuses a user key on admin routes with 403', async () => {
    const created = await call(
      server,
      `/api/admin/add-user?admin=${server.adminKey}&userid=plain&username=P`,
    );
    const res = await call(server, `/api/admin/users?admin=${created.json?.api_key as string}`);
    expect(res.status).toBe(403);
  });

  it('names the missing field', async () => {
    const res = await call(server, `/api/admin/add-user?admin=${server.adminKey}&username=NoId`);
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ status: 'error', field: 'userid' });
  });

  it('rejects an unknown boolean value naming the field', async () => {
    const res = await call(server, `/api/admin/add-user?admin=${server.adminKey}&userid=b1&plus=maybe`);
    expect(res.status).toBe(400);
    expect(res.json?.field).toBe('plus');
  });

  it('rejects malformed JSON with 400', async () => {
    const res = await call(server, `/api/admin/add-user?admin=${server.adminKey}`, {
      method: 'POST',
      body: '{"userid": ',
      headers: json,
    });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ status: 'error', code: 'invalid_json' });
  });

  it('rejects a JSON array body with 400', async () => {
    const res = await call(server, `/api/admin/add-user?admin=${server.adminKey}`, {
      method: 'POST',
      body: '[1,2]',
      headers: json,
    });
    expect(res.status).toBe(400);
  });

  it('rejects a wrong content type with 415', async () => {
    const res = await call(server, `/api/admin/add-user?admin=${server.adminKey}`, {
      method: 'POST',
      body: '<x/>',
      headers: { 'content-type': 'application/xml' },
    });
    expect(res.status).toBe(415);
    expect(res.json).toMatchObject({ status: 'error', code: 'unsupported_media_type' });
  });

  it('rejects a huge body with 413 and keeps serving', async () => {
    const big = JSON.stringify({ userid: 'big', username: 'x'.repeat(200 * 1024) });
    const res = await call(server, `/api/admin/add-user?admin=${server.adminKey}`, {
      method: 'POST',
      body: big,
      headers: json,
    });
    expect(res.status).toBe(413);
    expect(res.json).toMatchObject({ status: 'error', code: 'payload_too_large' });
    const after = await call(server, '/healthz');
    expect(after.status).toBe(200);
  });

  it('answers unknown routes with 404 in the route format', async () => {
    const api = await call(server, '/api/nope');
    expect(api.status).toBe(404);
    expect(api.json).toMatchObject({ status: 'error', code: 'route_not_found' });
    const page = await call(server, '/nope');
    expect(page.status).toBe(404);
    expect(page.headers['content-type']).toContain('text/html');
  });

  it('never logs keys passed in query strings', async () => {
    await call(server, `/api/admin/users?admin=${server.adminKey}`);
    expect(server.logText()).not.toContain(server.adminKey);
    expect(server.logText()).toContain('admin=[REDACTED]');
  });
});
