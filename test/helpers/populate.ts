/**
 * Fills a store with a bit of everything (users with keys, accounts, conversations with turns,
 * usage), for tests of whole-database operations such as copy-db.
 */
import type { Store } from '../../src/store/index.js';
import { createUserService } from '../../src/users/service.js';
import { TEST_ADMIN_KEY } from './config.js';

export interface PopulatedCounts {
  users: number;
  conversations: number;
  turns: number;
  /** API keys of the users, to prove they still work after a move. */
  keys: Map<string, string>;
}

export async function populateStore(
  store: Store,
  sizes: { users: number; conversationsPerUser: number; turnsPerConversation: number },
): Promise<PopulatedCounts> {
  const users = createUserService({ store, adminApiKey: TEST_ADMIN_KEY });
  await users.init();
  const keys = new Map<string, string>();
  const now = Date.UTC(2024, 0, 2, 3, 4, 5);
  await store.accounts.insert(
    { name: 'acct-a', kind: 'chatgpt', is_plus: 0, source: 'runtime', settings: '{}', credentials: 'enc:x' },
    now,
  );
  await store.accounts.insert(
    {
      name: 'acct-b',
      kind: 'openai',
      is_plus: 1,
      source: 'runtime',
      settings: '{"weight":2}',
      credentials: null,
    },
    now,
  );
  let turns = 0;
  for (let u = 0; u < sizes.users; u++) {
    const userId = `user-${u}`;
    const { apiKey } = await users.addUser(
      { userId, username: `User ${u} ‘ünïcode’`, plus: u % 2 === 0 },
      null,
    );
    keys.set(userId, apiKey);
    for (let c = 0; c < sizes.conversationsPerUser; c++) {
      const conversationId = `conv-${u}-${c}`;
      await store.conversations.insert({
        id: conversationId,
        user_id: userId,
        title: `Title ${c}`,
        origin: 'pool',
        account_name: 'acct-a',
        account_kind: 'chatgpt',
        own_token_hash: null,
        upstream_conversation_id: `up-${conversationId}`,
        last_upstream_message_id: `msg-${conversationId}`,
        model: 'auto',
        created_at: now + c,
        updated_at: now + c,
        deleted_at: null,
      });
      for (let t = 0; t < sizes.turnsPerConversation; t++) {
        await store.turns.insert({
          id: `turn-${u}-${c}-${t}`,
          conversation_id: conversationId,
          seq: t,
          user_id: userId,
          account_name: 'acct-a',
          model: 'auto',
          prompt: `prompt ${t} with "quotes" and\nnewlines`,
          reply: `reply ${t}`,
          status: 'complete',
          error_code: null,
          error_message: null,
          upstream_message_id: `m-${t}`,
          parent_message_id: t === 0 ? null : `m-${t - 1}`,
          prompt_tokens: 10,
          completion_tokens: 20,
          created_at: now + t,
          first_byte_ms: 5,
          completed_at: now + t + 1,
          tool_calls: null,
        });
        turns++;
      }
    }
    await store.usage.add([
      {
        day: '2024-01-02',
        user_id: userId,
        account_name: 'acct-a',
        requests: 3,
        failures: 1,
        prompt_chars: 100,
        reply_chars: 2_000_000_000_000,
        prompt_tokens: 7,
        completion_tokens: 9,
      },
    ]);
  }
  return { users: sizes.users, conversations: sizes.users * sizes.conversationsPerUser, turns, keys };
}
