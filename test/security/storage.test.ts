/**
 * Rows that touch storage, on both engines: injection-shaped ids and keys (6), other users'
 * conversations (9), keys stored only hashed (16), upstream credentials encrypted at rest.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { testConfig } from '../helpers/config.js';
import { describeEachEngine } from '../helpers/engines.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { storedBytes } from './db-dump.js';

const NASTY = ["x' OR 1=1 --", "'; drop table users; --", 'ключ-🔑-鍵', 'nul\u0000byte', '%', '_', '\\'];
const SQL_WORDS = /select |insert |update |delete |syntax error|sqlite|postgres|relation "|near "/i;

describeEachEngine('security: storage rows', (engine) => {
  let stack: Stack;
  let alice: string;
  let bob: string;
  beforeAll(async () => {
    // Many failed keys on purpose: lift the brute-force throttle (row 13 tests it).
    const limits = { ...testConfig({ dataDir: '' }).limits, auth_failures_per_minute: 10_000 };
    stack = await startStack({ engine, accounts: [{ name: 'free-1' }], config: { limits } });
    alice = await stack.addUser('alice');
    bob = await stack.addUser('bob');
  });
  afterAll(async () => {
    await stack?.stop();
  });
  const admin = () => ({ authorization: `Bearer ${stack.adminKey}` });

  it('row 6: injection-shaped, unicode and NUL keys get 401; no SQL text in the answer', async () => {
    for (const value of NASTY) {
      const asParam = await stack.call(`/api/recall?user=${encodeURIComponent(value)}`);
      const asBearer = await stack.call('/api/recall', { json: { user: value } });
      const asAdmin = await stack.call(`/api/admin/users?admin=${encodeURIComponent(value)}`);
      for (const res of [asParam, asBearer, asAdmin]) {
        // NUL is refused at the edge for every field (PostgreSQL text cannot hold it).
        expect(res.status).toBe(value.includes('\u0000') ? 400 : 401);
        expect(res.text).not.toMatch(SQL_WORDS);
      }
    }
    // The tables are still there and still answer.
    const list = await stack.call('/api/admin/users', { headers: admin() });
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.json)).toContain('alice');
  });

  it('row 6: injection-shaped conversation and user ids get 404/400, never 500', async () => {
    for (const value of NASTY) {
      const recall = await stack.call(
        `/api/recall?user=${alice}&conversation_id=${encodeURIComponent(value)}`,
      );
      expect([400, 404]).toContain(recall.status);
      expect(recall.text).not.toMatch(SQL_WORDS);
      const remove = await stack.call('/api/admin/remove-user', {
        json: { user_id: value },
        headers: admin(),
      });
      expect([400, 404]).toContain(remove.status);
      expect(remove.text).not.toMatch(SQL_WORDS);
      const added = await stack.call('/api/admin/users', {
        json: { userid: `u-${value}`, username: value },
        headers: admin(),
      });
      expect([200, 400]).toContain(added.status);
    }
    const still = await stack.call(`/api/recall?user=${bob}`);
    expect(still.status).toBe(200);
  });

  it('row 9: user B cannot read, continue or delete user A’s conversation (404); the admin can, and it is logged', async () => {
    const started = await stack.call('/api/chat', { json: { user: alice, prompt: 'private thoughts' } });
    expect(started.status).toBe(200);
    const id = started.json?.conversation_id as string;
    const notFound = [
      await stack.call(`/api/recall?user=${bob}&conversation_id=${id}`),
      await stack.call('/api/chat', { json: { user: bob, prompt: 'more', conversation_id: id } }),
      await stack.call('/api/remove-conversation', { json: { user: bob, conversation_id: id } }),
    ];
    for (const res of notFound) {
      expect(res.status).toBe(404);
      expect(res.text).not.toContain('private thoughts');
    }
    // An unknown id gets exactly the same answer as someone else's.
    const unknown = await stack.call(
      `/api/recall?user=${bob}&conversation_id=00000000-0000-0000-0000-000000000000`,
    );
    expect(unknown.json?.code).toBe(notFound[0]?.json?.code);
    expect(unknown.json?.message).toBe(notFound[0]?.json?.message);
    // Alice still has it, untouched.
    const own = await stack.call(`/api/recall?user=${alice}&conversation_id=${id}`);
    expect(own.status).toBe(200);
    expect(JSON.stringify(own.json)).toContain('private thoughts');
    // The admin may read it, and that access leaves a trace.
    const byAdmin = await stack.call(`/api/admin/conversations/${id}`, { headers: admin() });
    expect(byAdmin.status).toBe(200);
    expect(
      stack.server.logs.some((l) => l.msg === 'admin read a conversation' && l.conversation_id === id),
    ).toBe(true);
  });

  it('row 16: a new key is shown once; storage holds only its hash and last 4; logs show no more', async () => {
    const created = await stack.call('/api/admin/users', { json: { userid: 'carol' }, headers: admin() });
    const key = created.json?.api_key as string;
    expect(key.length).toBeGreaterThan(20);
    const listed = await stack.call('/api/admin/users', { headers: admin() });
    expect(listed.text).not.toContain(key);
    expect(listed.text).toContain(key.slice(-4));
    expect((await stack.call(`/api/recall?user=${key}`)).status).toBe(200);
    const bytes = await storedBytes(stack.server.storage);
    expect(bytes.includes(key)).toBe(false);
    // Not even a long prefix of it (a prefix + last 4 is fine, half the key is not).
    expect(bytes.includes(key.slice(0, Math.ceil(key.length / 2)))).toBe(false);
    expect(stack.server.logText()).not.toContain(key);
    expect(stack.server.logText()).not.toContain(key.slice(0, Math.ceil(key.length / 2)));
  });

  it('upstream credentials (token, API key, password) are not stored in plain text', async () => {
    const token = 'runtime-token-AT-REST-9f8e7d6c5b4a';
    stack.sim.addAccount({ accessToken: token });
    const added = await stack.call('/api/admin/accounts', {
      json: { name: 'rt-rest', access_token: token },
      headers: admin(),
    });
    expect(added.status).toBe(200);
    const apiKey = 'sk-sim-AT-REST-0a1b2c3d4e5f';
    stack.sim.addApiKey(apiKey);
    const addedKey = await stack.call('/api/admin/accounts', {
      json: { name: 'rt-key', kind: 'openai', api_key: apiKey, base_url: stack.sim.openaiBaseUrl },
      headers: admin(),
    });
    expect(addedKey.status).toBe(200);
    // Use the account, so any credential refresh or cache is written too.
    const tested = await stack.call('/api/admin/accounts/rt-rest/test', { method: 'POST', headers: admin() });
    expect(tested.json?.result).toMatchObject({ ok: true });
    const bytes = await storedBytes(stack.server.storage);
    expect(bytes.length).toBeGreaterThan(0);
    expect(bytes.includes(token)).toBe(false);
    expect(bytes.includes(apiKey)).toBe(false);
    expect(bytes.includes(stack.secretOf('free-1'))).toBe(false);
    expect(stack.server.logText()).not.toContain(token);
    expect(stack.server.logText()).not.toContain(apiKey);
  });
});
