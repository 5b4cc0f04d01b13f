/**
 * Writes a turn's life to the store's journal: the conversation (when new) and the turn row as
 * the turn starts, the reply so far now and then while streaming, and at the end the outcome, the
 * conversation's new upstream ids and the day's usage. The journal commits them in groups, many
 * turns per transaction (see store/journal.ts); `finish` gives the commit the service waits for
 * before it sends the reply.
 *
 * A turn that opens a new conversation is queued only when its first text or call goes out (or
 * at its end, if none does). Nobody can know that conversation before then, so no other turn
 * can need its row; and a reply that arrives in one network read, as most short ones do, is
 * then written as one insert with its final values instead of two inserts and two updates. A
 * crash before the first byte loses a turn whose client got nothing. A follow-up's row is
 * queued at once: a concurrent follow-up must see it to number itself.
 */
import type { ConversationChanges, ConversationsTable, NewTurn, Store, TurnStatus } from '../store/index.js';
import { utcDay } from '../store/index.js';
import type { ToolCall } from '../upstream/types.js';

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
  /** The function calls the reply made, if any. */
  toolCalls?: ToolCall[];
}

export interface TurnRecorder {
  /** The turn's first text or call is about to go out: its row must be queued now. */
  started(): void;
  partial(reply: string): void;
  /** Records the outcome, with the conversation's changes when the turn completed; resolves once committed. */
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
  /** The client reads the reply as it comes (its row is then written at once, see journal.ts). */
  streamed: boolean;
}

export function startTurnRecord({
  store,
  clock,
  turn,
  newConversation,
}: {
  store: Pick<Store, 'journal'>;
  clock: () => number;
  turn: TurnStart;
  newConversation?: ConversationsTable;
}): TurnRecorder {
  const { journal } = store;
  const row: NewTurn = {
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
    tool_calls: null,
  };
  // A new conversation's turn is written at its first byte or its end (see the chat service).
  const announced = newConversation !== undefined;
  let begun: Promise<void> | undefined;
  /** Queues the row once; a non-streamed turn's start waits for its end by default. */
  const begin = (awaitEnd = !turn.streamed): Promise<void> => {
    if (begun) return begun;
    begun = journal.begin({ conversation: newConversation, awaitEnd, turn: row, announced });
    // Waited for by finish; until then a failure must not count as unhandled.
    begun.catch(() => undefined);
    return begun;
  };
  if (announced) journal.running();
  else begin();
  let lastSave = clock();
  return {
    started() {
      begin();
    },
    partial(reply) {
      const now = clock();
      if (now - lastSave < PARTIAL_SAVE_INTERVAL_MS) return;
      lastSave = now;
      begin();
      journal.partial(turn.id, reply);
    },
    finish(outcome, conversation) {
      const now = clock();
      // Not begun yet (no text went out): the start can wait for the end and share its insert.
      const started = begin(true);
      const ended = journal.end({
        turnId: turn.id,
        completion: {
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
          // Left out (not null) when there are none: the same update statement as before.
          tool_calls: outcome.toolCalls?.length ? JSON.stringify(outcome.toolCalls) : undefined,
        },
        conversation: conversation && { id: turn.conversationId, changes: conversation },
        usage: {
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
      });
      // An update of a row that was never inserted changes nothing without failing: the start's
      // own commit must be waited for too.
      return Promise.all([started, ended]).then(() => undefined);
    },
  };
}
