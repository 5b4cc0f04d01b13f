import { afterAll, beforeAll, expect, it } from 'vitest';
import { simulatedReply } from '../../../../test/upstream-sim/index.js';
import { describeEachEngine } from '../../../../test/helpers/engines.js';
import { startStack, type Stack } from '../../../../test/helpers/stack.js';

describeEachEngine('recall and removal rights', (engine) => {
  let stack: Stack;
  const keys = { alice: '', bob: '', acme: '', other: '' };
  const chat = async (auth: string, prompt: string, conversationId?: string) => {
    const res = await stack.call(
      `/api/chat?${auth}&prompt=${encodeURIComponent(prompt)}${conversationId ? `&conversation_id=${conversationId}` : ''}`,
    );
    expect(res.status, res.text).toBe(200);
    return res.json?.conversation_id as string;
  };

  beforeAll(async () => {
    stack = await startStack({ engine, accounts: [{ name: 'free-1' }] });
    keys.alice = await stack.addUser('alice');
    keys.bob = await stack.addUser('bob');
    keys.acme = await stack.addUser('acme', { client: true });
    keys.other = await stack.addUser('other-client', { client: true });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('lists my conversations newest first, with the original map shape, paged', async () => {
    const first = await chat(`user=${keys.alice}`, 'first question');
    await chat(`user=${keys.alice}`, 'second question', first);
    const later = await chat(`user=${keys.alice}`, 'another topic');
    const res = await stack.call(`/api/recall?user=${keys.alice}`);
    expect(res.status).toBe(200);
    const items = res.json?.items as Record<string, unknown>[];
    expect(items.map((i) => i.conversation_id)).toEqual([later, first]);
    expect(items[1]).toMatchObject({ turns: 2, account: 'free-1', origin: 'pool' });
    expect(items[1]?.title).toEqual(expect.any(String));
    expect(res.json?.total).toBe(2);
    expect(res.json?.conversations).toEqual({
      [later]: { title: items[0]?.title },
      [first]: { title: items[1]?.title },
    });
    const page = await stack.call(`/api/recall?user=${keys.alice}&limit=1&offset=1`);
    expect((page.json?.items as { conversation_id: string }[]).map((i) => i.conversation_id)).toEqual([
      first,
    ]);
    expect(page.json).toMatchObject({ total: 2, limit: 1, offset: 1 });
  });

  it('reads one conversation with its turns in order, and pages them', async () => {
    const id = await chat(`user=${keys.alice}`, 'one');
    await chat(`user=${keys.alice}`, 'two', id);
    await chat(`user=${keys.alice}`, 'three', id);
    const res = await stack.call('/api/recall', { json: { user: keys.alice, conversation_id: id } });
    expect(res.status).toBe(200);
    expect(res.json?.total_turns).toBe(3);
    const turns = res.json?.turns as Record<string, unknown>[];
    expect(turns.map((t) => [t.prompt, t.reply, t.status])).toEqual([
      ['one', simulatedReply('one', 0), 'complete'],
      ['two', simulatedReply('two', 1), 'complete'],
      ['three', simulatedReply('three', 2), 'complete'],
    ]);
    expect(turns[0]).toMatchObject({ account: 'free-1', model: expect.any(String) });
    expect(turns[0]?.error).toBeUndefined();
    expect(Object.values(res.json?.messages as object)).toHaveLength(3);
    const page = await stack.call(`/api/recall?user=${keys.alice}&conversation_id=${id}&limit=1&offset=2`);
    expect((page.json?.turns as { prompt: string }[]).map((t) => t.prompt)).toEqual(['three']);
  });

  it('shows a failed turn with its status and error', async () => {
    const id = await chat(`user=${keys.alice}`, 'fine');
    stack.sim.setFault(stack.secretOf('free-1'), { type: 'server_error' }, 10);
    const failed = await stack.call(`/api/chat?user=${keys.alice}&prompt=broken&conversation_id=${id}`);
    stack.sim.setFault(stack.secretOf('free-1'), null);
    expect(failed.status).toBeGreaterThanOrEqual(500);
    const res = await stack.call(`/api/recall?user=${keys.alice}&conversation_id=${id}`);
    const turns = res.json?.turns as Record<string, unknown>[];
    expect(turns[1]).toMatchObject({
      prompt: 'broken',
      status: 'error',
      error: { code: expect.any(String) },
    });
  });

  it('answers a stranger with 404, like a missing conversation', async () => {
    const id = await chat(`user=${keys.alice}`, 'private');
    for (const path of [
      `/api/recall?user=${keys.bob}&conversation_id=${id}`,
      `/api/remove-conversation?user=${keys.bob}&conversation_id=${id}`,
      `/api/recall?client=${keys.other}&conversation_id=${id}`,
      `/api/remove-conversation?user=${keys.alice}&conversation_id=no-such-id`,
    ]) {
      const res = await stack.call(path);
      expect(res.status, path).toBe(404);
      expect(res.json).toMatchObject({ status: 'error', message: 'Conversation not found' });
    }
    const mine = await stack.call(`/api/recall?user=${keys.bob}`);
    expect(mine.json?.items).toEqual([]);
    expect(mine.json?.conversations).toEqual({});
  });

  it("lets a client read and remove its users' conversations, and no one else's", async () => {
    const id = await chat(`client=${keys.acme}&user_id=carol`, 'from carol');
    const asCarol = await stack.call(`/api/recall?client=${keys.acme}&user_id=carol`);
    expect((asCarol.json?.items as { conversation_id: string }[]).map((i) => i.conversation_id)).toEqual([
      id,
    ]);
    const asClient = await stack.call(`/api/recall?client=${keys.acme}&conversation_id=${id}`);
    expect(asClient.status).toBe(200);
    expect(asClient.json?.conversation).toMatchObject({ conversation_id: id, user_id: 'carol' });
    const otherClient = await stack.call(
      `/api/remove-conversation?client=${keys.other}&conversation_id=${id}`,
    );
    expect(otherClient.status).toBe(404);
    const removed = await stack.call(
      `/api/remove-conversation?client=${keys.acme}&user_id=carol&conversation_id=${id}`,
    );
    expect(removed.status).toBe(200);
    expect(removed.json).toMatchObject({ status: 'success', conversation_id: id });
    expect((await stack.call(`/api/recall?client=${keys.acme}&conversation_id=${id}`)).status).toBe(404);
  });

  it('lets the owner remove a conversation: hidden upstream, gone from recall, turns kept', async () => {
    const id = await chat(`user=${keys.alice}`, 'to be removed');
    const row = await stack.server.server.store.conversations.get(id);
    const res = await stack.call('/api/remove-conversation', {
      json: { user: keys.alice, conversation_id: id },
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ status: 'success', upstream_hidden: true });
    expect(
      stack.sim.log.some(
        (e) =>
          e.method === 'PATCH' && e.path.endsWith(`/conversation/${row?.upstream_conversation_id ?? '?'}`),
      ),
    ).toBe(true);
    expect((await stack.call(`/api/recall?user=${keys.alice}&conversation_id=${id}`)).status).toBe(404);
    const list = await stack.call(`/api/recall?user=${keys.alice}&limit=200`);
    expect(Object.keys(list.json?.conversations as object)).not.toContain(id);
    expect(await stack.server.server.store.turns.listForConversation(id)).toHaveLength(1);
    const again = await stack.call(`/api/remove-conversation?user=${keys.alice}&conversation_id=${id}`);
    expect(again.status).toBe(404);
    const followUp = await stack.call(`/api/chat?user=${keys.alice}&prompt=more&conversation_id=${id}`);
    expect(followUp.status).toBe(404);
  });

  it("lets an admin read and remove anyone's conversation, and logs it", async () => {
    const id = await chat(`user=${keys.bob}`, 'bob talks');
    const read = await stack.call(`/api/recall?user=${stack.adminKey}&conversation_id=${id}`);
    expect(read.status).toBe(200);
    expect(read.json?.conversation).toMatchObject({ user_id: 'bob' });
    const wrongOwner = await stack.call(
      `/api/remove-conversation?admin=${stack.adminKey}&user_id=alice&conversation_id=${id}`,
    );
    expect(wrongOwner.status).toBe(404);
    const notAdmin = await stack.call(`/api/remove-conversation?admin=${keys.alice}&conversation_id=${id}`);
    expect(notAdmin.status).toBe(403);
    const removed = await stack.call(
      `/api/remove-conversation?admin=${stack.adminKey}&user_id=bob&conversation_id=${id}`,
    );
    expect(removed.status).toBe(200);
    const logged = stack.server.logs.filter((l) => l.conversation_id === id && l.by === 'admin');
    expect(logged.map((l) => l.action)).toEqual(expect.arrayContaining(['read', 'remove']));
  });

  it('validates the parameters', async () => {
    for (const [query, field] of [
      ['limit=0', 'limit'],
      ['limit=201', 'limit'],
      ['limit=abc', 'limit'],
      ['offset=-1', 'offset'],
    ]) {
      const res = await stack.call(`/api/recall?user=${keys.alice}&${query}`);
      expect(res.status, query).toBe(400);
      expect(res.json?.field).toBe(field);
    }
    const missing = await stack.call(`/api/remove-conversation?user=${keys.alice}`);
    expect(missing.status).toBe(400);
    expect(missing.json?.field).toBe('conversation_id');
    expect((await stack.call('/api/recall')).status).toBe(401);
    expect((await stack.call('/api/remove-conversation?conversation_id=x')).status).toBe(401);
  });
});
