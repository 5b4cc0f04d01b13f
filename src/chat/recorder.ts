/**
 * Writes a turn's life to the store: the conversation (when new) and the turn row before the
 * upstream call (so an acknowledged turn survives a crash), the reply so far now and then while
 * streaming, and at the end the outcome, the conversation's new upstream ids and the day's usage.
 * The start and the end are each one batched write (see store/batch.ts): many requests' writes
 * share one commit.
 */
import type { ConversationChanges, ConversationsTable, Store, TurnStatus } from '../store/index.js';
import { utcDay } from '../store/index.js';

const PARTIAL_SAVE_INTERVAL_MS = 1000;

export interface TurnOutcome {
  status: TurnStatus;
  reply: string;
  account: string | null;
  model: string | null;
  messageId: string | null;
  errorCode?: string;
  errorMessage?: string;
  promptTokens?: number;
  completionTokens?: number;
  firstByteMs: number | null;
}

export interface TurnRecorder {
  partial(reply: string): void;
  /** Records the outcome, with the conversation's changes when the turn completed. */
  finish(outcome: TurnOutcome, conversation?: ConversationChanges): Promise<void>;
}

export interface TurnStart {
  id: string;
  conversationId: string;
  seq: number;
  userId: string;
  prompt: string;
  parentMessageId: string | null;
  createdAt: number;
}

export async function startTurnRecord({
  store,
  clock,
  turn,
  newConversation,
}: {
  store: Store;
  clock: () => number;
  turn: TurnStart;
  newConversation?: ConversationsTable;
}): Promise<TurnRecorder> {
  await store.write(async (q) => {
    if (newConversation) await q.conversations.insert(newConversation);
    await q.turns.insert({
      id: turn.id,
      conversation_id: turn.conversationId,
      seq: turn.seq,
      user_id: turn.userId,
      account_name: null,
      model: null,
      prompt: turn.prompt,
      reply: '',
      status: 'pending',
      error_code: null,
      error_message: null,
      upstream_message_id: null,
      parent_message_id: turn.parentMessageId,
      prompt_tokens: null,
      completion_tokens: null,
      created_at: turn.createdAt,
      first_byte_ms: null,
      completed_at: null,
    });
  });
  let lastSave = clock();
  let saving: Promise<void> | undefined;
  return {
    partial(reply) {
      const now = clock();
      if (saving || now - lastSave < PARTIAL_SAVE_INTERVAL_MS) return;
      lastSave = now;
      saving = store.turns.savePartialReply(turn.id, reply).finally(() => (saving = undefined));
      saving.catch(() => undefined);
    },
    async finish(outcome, conversation) {
      await saving?.catch(() => undefined);
      const now = clock();
      await store.write(async (q) => {
        await q.turns.finish(turn.id, {
          status: outcome.status,
          reply: outcome.reply,
          account_name: outcome.account,
          model: outcome.model,
          upstream_message_id: outcome.messageId,
          error_code: outcome.errorCode ?? null,
          error_message: outcome.errorMessage ?? null,
          prompt_tokens: outcome.promptTokens ?? null,
          completion_tokens: outcome.completionTokens ?? null,
          first_byte_ms: outcome.firstByteMs,
          completed_at: now,
        });
        await q.usage.add([
          {
            day: utcDay(now),
            user_id: turn.userId,
            account_name: outcome.account ?? '',
            requests: 1,
            failures: outcome.status === 'complete' ? 0 : 1,
            prompt_chars: turn.prompt.length,
            reply_chars: outcome.reply.length,
            prompt_tokens: outcome.promptTokens ?? 0,
            completion_tokens: outcome.completionTokens ?? 0,
          },
        ]);
        if (conversation) await q.conversations.update(turn.conversationId, conversation);
      });
    },
  };
}
