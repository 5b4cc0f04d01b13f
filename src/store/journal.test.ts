import { afterEach, beforeEach, expect, it } from 'vitest';
import { createTestStorage, describeEachEngine, type TestStorage } from '../../test/helpers/engines.js';
import type { Store, TurnEnd } from './index.js';
import type { NewTurn } from './journal.js';
import { conversationRow as conversationOf, turnRow as rowOf, userRow } from '../../test/helpers/rows.js';

const DAY = '2026-11-26';
const T0 = Date.parse(`${DAY}T10:00:00Z`);

/** A pending turn of user u1. */
const turnRow = (id: string, conversationId: string, seq = 0): NewTurn =>
  rowOf({
    id,
    conversation_id: conversationId,
    seq,
    user_id: 'u1',
    prompt: `prompt of ${id}`,
    created_at: T0,
  });

const conversationRow = (id: string) => conversationOf({ id, user_id: 'u1', created_at: T0, updated_at: T0 });

function turnEnd(turnId: string, conversationId: string, reply: string): TurnEnd {
  return {
    turnId,
    completion: { status: 'complete', reply, account_name: 'acct', completed_at: T0 + 50 },
    conversation: { id: conversationId, changes: { title: `title ${turnId}`, updated_at: T0 + 50 } },
    usage: {
      day: DAY,
      user_id: 'u1',
      account_name: 'acct',
      requests: 1,
      failures: 0,
      prompt_chars: 10,
      reply_chars: reply.length,
      prompt_tokens: 3,
      completion_tokens: 4,
    },
  };
}

describeEachEngine('turn journal', (engine) => {
  let storage: TestStorage;
  let store: Store;

  beforeEach(async () => {
    storage = await createTestStorage(engine);
    store = await storage.open();
    await store.users.ensure(userRow({ id: 'u1', username: 'one', created_at: T0 }));
  });
  afterEach(async () => {
    await store.close();
    await storage.cleanup();
  });

  it('commits a turn whose start waited for its end as one row with its final values', async () => {
    const begun = store.journal.begin({
      conversation: conversationRow('c1'),
      turn: turnRow('t1', 'c1'),
      awaitEnd: true,
    });
    const ended = store.journal.end(turnEnd('t1', 'c1', 'the reply'));
    await Promise.all([begun, ended]);
    const turns = await store.turns.listForConversation('c1');
    expect(turns).toHaveLength(1);
    expect(turns[0]).toMatchObject({
      id: 't1',
      status: 'complete',
      reply: 'the reply',
      account_name: 'acct',
    });
    expect(await store.conversations.get('c1')).toMatchObject({ title: 'title t1' });
  });

  it('writes every column of a new conversation and its turn as given', async () => {
    // Every column a different value: a value bound to the wrong column cannot go unseen.
    const conversation = {
      id: 'c-all',
      user_id: 'u1',
      title: 'the title',
      origin: 'own_token',
      account_name: 'conversation account',
      account_kind: 'chatgpt',
      own_token_hash: 'token hash',
      upstream_conversation_id: 'upstream conversation',
      last_upstream_message_id: 'last upstream message',
      model: 'conversation model',
      created_at: T0 + 1,
      updated_at: T0 + 2,
      deleted_at: T0 + 3,
    };
    const turn = {
      id: 't-all',
      conversation_id: 'c-all',
      seq: 7,
      user_id: 'u1',
      account_name: 'turn account',
      model: 'turn model',
      prompt: 'the prompt',
      reply: 'the reply',
      status: 'complete',
      error_code: 'an error code',
      error_message: 'an error message',
      upstream_message_id: 'upstream message',
      parent_message_id: 'parent message',
      prompt_tokens: 11,
      completion_tokens: 12,
      created_at: T0 + 4,
      first_byte_ms: 13,
      completed_at: T0 + 5,
      owner: 'the owner',
      tool_calls: '[{"id":"call"}]',
    };
    await store.journal.begin({ conversation: { ...conversation }, turn: { ...turn } });
    const [savedTurn] = await store.db.selectFrom('turns').selectAll().where('id', '=', 't-all').execute();
    const [savedConversation] = await store.db
      .selectFrom('conversations')
      .selectAll()
      .where('id', '=', 'c-all')
      .execute();
    expect(savedTurn).toEqual(turn);
    expect(savedConversation).toEqual(conversation);
  });

  /** The turns of a conversation as a second connection sees them (no flush of this store's journal). */
  async function turnsSeenElsewhere(conversationId: string) {
    const other = await storage.open();
    try {
      return await other.turns.listForConversation(conversationId);
    } finally {
      await other.close();
    }
  }

  it('resolves begin only once the row is readable from another connection', async () => {
    await store.journal.begin({ conversation: conversationRow('c2'), turn: turnRow('t2', 'c2') });
    expect(await turnsSeenElsewhere('c2')).toMatchObject([{ id: 't2', status: 'pending' }]);
  });

  it('writes the start of a turn that waits for its end even when the end never comes', async () => {
    await store.journal.begin({
      conversation: conversationRow('c9'),
      turn: turnRow('t9', 'c9'),
      awaitEnd: true,
    });
    expect(await turnsSeenElsewhere('c9')).toMatchObject([{ id: 't9', status: 'pending' }]);
  });

  it('keeps a partial reply of a running turn and lets the end overwrite it', async () => {
    await store.journal.begin({ conversation: conversationRow('c3'), turn: turnRow('t3', 'c3') });
    store.journal.partial('t3', 'half a rep');
    await store.journal.flush();
    expect((await store.turns.listForConversation('c3'))[0]).toMatchObject({
      reply: 'half a rep',
      status: 'pending',
    });
    store.journal.partial('t3', 'half a reply and more');
    await store.journal.end(turnEnd('t3', 'c3', 'the whole reply'));
    expect((await store.turns.listForConversation('c3'))[0]).toMatchObject({
      reply: 'the whole reply',
      status: 'complete',
    });
  });

  it('sums the usage of turns of the same day, user and account, and counts queued requests', async () => {
    await store.journal.begin({ conversation: conversationRow('c4'), turn: turnRow('t4', 'c4') });
    await store.journal.begin({ turn: turnRow('t5', 'c4', 1) });
    const ends = [
      store.journal.end(turnEnd('t4', 'c4', 'aa')),
      store.journal.end(turnEnd('t5', 'c4', 'bbb')),
    ];
    expect(await store.usage.requestsOn('u1', DAY)).toBe(2);
    await Promise.all(ends);
    expect(await store.usage.requestsOn('u1', DAY)).toBe(2);
    expect(await store.usage.list({ userId: 'u1' })).toMatchObject([
      { day: DAY, account_name: 'acct', requests: 2, reply_chars: 5, prompt_tokens: 6, completion_tokens: 8 },
    ]);
  });

  it('rejects only the turn whose row cannot be written; the others in its batch commit', async () => {
    await store.journal.begin({ conversation: conversationRow('c6'), turn: turnRow('t6', 'c6') });
    // A turn of a conversation that does not exist breaks its foreign key, and only its own.
    const orphan = store.journal.begin({ turn: turnRow('t7', 'no-such-conversation') });
    const good = store.journal.end(turnEnd('t6', 'c6', 'fine'));
    await expect(orphan).rejects.toThrow();
    await expect(good).resolves.toBeUndefined();
    expect((await store.turns.listForConversation('c6'))[0]).toMatchObject({
      status: 'complete',
      reply: 'fine',
    });
    expect(await store.turns.listForConversation('no-such-conversation')).toEqual([]);
  });

  it('writes what is queued when the store closes', async () => {
    void store.journal.begin({ conversation: conversationRow('c8'), turn: turnRow('t8', 'c8') });
    void store.journal.end(turnEnd('t8', 'c8', 'last words'));
    await store.close();
    store = await storage.open();
    expect((await store.turns.listForConversation('c8'))[0]).toMatchObject({
      status: 'complete',
      reply: 'last words',
    });
  });
});
