import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine } from '../../../../test/helpers/engines.js';
import { startStack, type Stack } from '../../../../test/helpers/stack.js';

describeEachEngine('/api/admin/conversations', (engine) => {
  let stack: Stack;
  const keys = { alice: '', bob: '' };
  const ids = { alice: '', bob: '' };
  let betweenMs = 0;
  const admin = () => ({ authorization: `Bearer ${stack.adminKey}` });
  const list = async (query: string) => {
    const res = await stack.call(`/api/admin/conversations?${query}`, { headers: admin() });
    expect(res.status, res.text).toBe(200);
    return res.json as { total: number; items: Record<string, unknown>[] };
  };
  const chat = async (key: string, prompt: string, plus = false) => {
    const res = await stack.call('/api/chat', { json: { user: key, prompt, plus } });
    expect(res.status, res.text).toBe(200);
    return res.json?.conversation_id as string;
  };

  beforeAll(async () => {
    stack = await startStack({ engine, accounts: [{ name: 'free-1' }, { name: 'plus-1', plus: true }] });
    keys.alice = await stack.addUser('alice');
    keys.bob = await stack.addUser('bob', { plus: true });
    ids.alice = await chat(keys.alice, 'Tell me about 100% pure_honey');
    await new Promise((r) => setTimeout(r, 20));
    betweenMs = Date.now();
    await new Promise((r) => setTimeout(r, 20));
    ids.bob = await chat(keys.bob, 'Something about tea', true);
    stack.sim.setFault(stack.secretOf('free-1'), { type: 'server_error' }, 10);
    const failed = await stack.call('/api/chat', { json: { user: keys.alice, prompt: 'this one fails' } });
    stack.sim.setFault(stack.secretOf('free-1'), null);
    expect(failed.status).toBeGreaterThanOrEqual(500);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('lists every conversation with its owner, newest first', async () => {
    const all = await list('');
    expect(all.total).toBe(3);
    expect(all.items[1]).toMatchObject({
      conversation_id: ids.bob,
      user_id: 'bob',
      username: 'bob',
      turns: 1,
    });
    expect(all.items.at(-1)).toMatchObject({ conversation_id: ids.alice, account: 'free-1' });
  });

  it('filters by user, account, date, status and text', async () => {
    const ofBob = await list('user_id=bob');
    expect(ofBob.items.map((i) => i.conversation_id)).toEqual([ids.bob]);
    const onPlus = await list('account=plus-1');
    expect(onPlus.items.map((i) => i.conversation_id)).toEqual([ids.bob]);
    const before = await list(`to=${betweenMs}&status=complete`);
    expect(before.items.map((i) => i.conversation_id)).toEqual([ids.alice]);
    const after = await list(`from=${encodeURIComponent(new Date(betweenMs).toISOString())}&status=complete`);
    expect(after.items.map((i) => i.conversation_id)).toEqual([ids.bob]);
    const failed = await list('status=error');
    expect(failed.total).toBe(1);
    expect(failed.items[0]).toMatchObject({ user_id: 'alice' });
    // LIKE wildcards in the search text are taken literally.
    const text = await list(`q=${encodeURIComponent('100% PURE_')}`);
    expect(text.items.map((i) => i.conversation_id)).toEqual([ids.alice]);
    expect((await list(`q=${encodeURIComponent('1000%')}`)).total).toBe(0);
    const paged = await list('limit=1&offset=1');
    expect(paged).toMatchObject({ total: 3, items: [expect.objectContaining({ conversation_id: ids.bob })] });
  });

  it('rejects bad filter values naming the field', async () => {
    for (const [query, field] of [
      ['from=yesterday', 'from'],
      ['status=done', 'status'],
      ['limit=500', 'limit'],
    ]) {
      const res = await stack.call(`/api/admin/conversations?${query}`, { headers: admin() });
      expect(res.status, query).toBe(400);
      expect(res.json?.field).toBe(field);
    }
  });

  it('reads any single conversation with its turns, and logs the access', async () => {
    const res = await stack.call(`/api/admin/conversations/${ids.bob}`, { headers: admin() });
    expect(res.status).toBe(200);
    expect(res.json?.conversation).toMatchObject({ conversation_id: ids.bob, user_id: 'bob' });
    expect(res.json?.turns).toEqual([
      expect.objectContaining({ prompt: 'Something about tea', status: 'complete', account: 'plus-1' }),
    ]);
    expect(
      stack.server.logs.some((l) => l.msg === 'admin read a conversation' && l.conversation_id === ids.bob),
    ).toBe(true);
    const missing = await stack.call('/api/admin/conversations/nope', { headers: admin() });
    expect(missing.status).toBe(404);
  });

  it('is for admins only', async () => {
    expect((await stack.call('/api/admin/conversations')).status).toBe(401);
    const asUser = await stack.call(`/api/admin/conversations?admin=${keys.alice}`);
    expect(asUser.status).toBe(403);
    const one = await stack.call(`/api/admin/conversations/${ids.alice}?admin=${keys.bob}`);
    expect(one.status).toBe(403);
  });

  it('removes a conversation', async () => {
    const id = await chat(keys.alice, 'short lived');
    const res = await stack.call(`/api/admin/conversations/${id}`, { method: 'DELETE', headers: admin() });
    expect(res.status).toBe(200);
    expect((await stack.call(`/api/admin/conversations/${id}`, { headers: admin() })).status).toBe(404);
  });
});
