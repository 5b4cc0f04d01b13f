/**
 * The chat use case shared by every front door: check rights, load or create the conversation,
 * record the turn, run it (src/chat/upstream-stream.ts), and stream ChatEvents back. Errors are
 * thrown as AppError; before the first delta they carry the real HTTP status, after it the
 * renderers turn them into an error event.
 */
import type { Logger } from 'pino';
import { AppError, conflict, isAppError } from '../errors.js';
import type { Metrics, TurnOutcomeLabel } from '../metrics/index.js';
import { timeOrderedId, type ConversationRow, type Store, type TurnRow } from '../store/index.js';
import { isUpstreamError } from '../upstream/types.js';
import { loadConversationFor } from './access.js';
import { titleFromPrompt } from './history.js';
import { chooseModel, onlyOpenAiAccounts } from './models.js';
import { hashOwnToken } from './own-token.js';
import { enforceDailyQuota } from './quota.js';
import { startTurnRecord, type TurnOutcome } from './recorder.js';
import { TurnState } from './turn-state.js';
import { BLANK_PROMPT_REPLY, type ChatEvent, type ChatInput, type ChatResult } from './types.js';
import { upstreamToAppError } from './upstream-errors.js';
import { openUpstreamStream, type UpstreamDeps } from './upstream-stream.js';

export interface ChatServiceDeps extends UpstreamDeps {
  store: Store;
  logger: Logger;
  /** Turn outcomes and timings; quota rejections. */
  metrics?: Pick<Metrics, 'turn' | 'rateLimited'>;
  clock?: () => number;
}

function checkOrigin(conversation: ConversationRow, accessToken: string | undefined): void {
  if (conversation.origin === 'own_token') {
    if (!accessToken)
      throw conflict(
        'This conversation was started with an access token: pass the same access_token to continue it',
        'conversation_needs_access_token',
      );
    if (hashOwnToken(accessToken) !== conversation.own_token_hash)
      throw conflict(
        'This conversation was started with a different access token',
        'conversation_token_mismatch',
      );
  } else if (accessToken) {
    throw conflict(
      'This conversation was started on a built-in instance: continue it without access_token',
      'conversation_not_own_token',
    );
  }
}

const FINISHING: ChatEvent = Object.freeze({ type: 'finishing' });

const roundMs = (ms: number | undefined): number | undefined =>
  ms === undefined ? undefined : Math.round(ms * 10) / 10;

export function createChatService(deps: ChatServiceDeps) {
  const { config, store, pool, logger } = deps;
  const clock = deps.clock ?? Date.now;

  function blankReply(input: ChatInput): ChatResult {
    const now = clock();
    return {
      conversationId: input.conversationId ?? '',
      turnId: '',
      messageId: null,
      title: null,
      reply: BLANK_PROMPT_REPLY,
      prompt: '',
      model: 'none',
      account: 'none',
      finishReason: 'stop',
      usage: {},
      startedAt: now,
      finishedAt: now,
      isNew: false,
    };
  }

  async function* chat(input: ChatInput): AsyncGenerator<ChatEvent, void, undefined> {
    const startedAt = clock();
    if (!input.prompt.trim() && !input.messages?.length) {
      yield { type: 'done', result: blankReply(input) };
      return;
    }
    const { principal, accessToken } = input;
    const log = input.logger ?? logger;
    const quota = enforceDailyQuota({
      store,
      principal,
      now: startedAt,
      onRejected: () => deps.metrics?.rateLimited('daily_quota'),
    });
    if (quota) await quota;
    const conversation = input.conversationId
      ? await loadConversationFor(store, principal, input.conversationId)
      : undefined;
    if (conversation) checkOrigin(conversation, accessToken);
    const accounts = pool.accounts();
    const chosen = accessToken
      ? undefined
      : chooseModel({
          config,
          accounts,
          requested: input.model,
          tier: input.tier,
          access: principal,
        });
    const field = input.openAiOnly;
    const choice = chosen && field ? onlyOpenAiAccounts({ choice: chosen, accounts, field }) : chosen;
    if (input.tier === 'plus' && !principal.plus && !accessToken)
      throw new AppError(403, 'plus_not_allowed', 'Your key does not have plus access');

    const turns: TurnRow[] = conversation ? await store.turns.listForConversation(conversation.id) : [];
    const conversationId = conversation?.id ?? timeOrderedId();
    const turnId = timeOrderedId();
    const recorder = startTurnRecord({
      store,
      clock,
      turn: {
        id: turnId,
        conversationId,
        seq: turns.length === 0 ? 0 : (turns.at(-1)?.seq ?? 0) + 1,
        userId: principal.userId,
        prompt: input.prompt,
        parentMessageId: conversation?.last_upstream_message_id ?? null,
        createdAt: startedAt,
        streamed: input.stream !== false,
      },
      newConversation: conversation
        ? undefined
        : {
            id: conversationId,
            user_id: principal.userId,
            title: null,
            origin: accessToken ? 'own_token' : 'pool',
            account_name: null,
            account_kind: null,
            own_token_hash: accessToken ? hashOwnToken(accessToken) : null,
            upstream_conversation_id: null,
            last_upstream_message_id: null,
            model: input.model ?? null,
            created_at: startedAt,
            updated_at: startedAt,
            deleted_at: null,
          },
    });
    const { stream, continued } = openUpstreamStream(deps, { input, conversation, turns, choice });
    const state = new TurnState();

    /** The one summary line per turn (on the request's logger, so it carries the request id). */
    const summarize = (status: TurnOutcomeLabel, errorCode?: string): void => {
      state.upstreamEnded();
      if (input.timing && state.upstreamMs !== undefined) input.timing.upstreamMs = state.upstreamMs;
      deps.metrics?.turn({
        account: state.account,
        kind: state.kind,
        outcome: status,
        upstreamFirstByteMs: state.upstreamFirstByteMs,
      });
      log.info(
        {
          user_id: principal.userId,
          conversation_id: conversationId,
          account: state.account,
          kind: state.kind,
          model: state.model,
          via: input.via,
          status,
          ...(errorCode !== undefined && { error: errorCode }),
          parent: continued() ? 'yes' : 'no',
          first_byte_ms: state.firstByteMs,
          upstream_first_byte_ms: roundMs(state.upstreamFirstByteMs),
          upstream_ms: roundMs(state.upstreamMs),
          ms: clock() - startedAt,
          prompt_chars: input.prompt.length,
          reply_chars: state.reply.length,
          ...(state.toolCalls && { tool_calls: state.calls()?.length }),
          ...(state.usage.promptTokens !== undefined && { prompt_tokens: state.usage.promptTokens }),
          ...(state.usage.completionTokens !== undefined && {
            completion_tokens: state.usage.completionTokens,
          }),
        },
        'turn',
      );
    };
    let outcome: TurnOutcome | undefined;
    try {
      for await (const event of stream) {
        if (event.type !== 'delta' && event.type !== 'tool_call') {
          state.note(event);
          continue;
        }
        if (state.firstDelta(clock() - startedAt)) {
          if (input.timing) input.timing.upstreamFirstByteMs = state.upstreamFirstByteMs;
          recorder.started();
          yield {
            type: 'start',
            conversationId,
            turnId,
            model: state.model ?? input.model ?? 'auto',
            account: state.account ?? '',
          };
        }
        if (event.type === 'tool_call') {
          state.addToolCall(event);
          yield event;
          continue;
        }
        state.reply += event.text;
        recorder.partial(state.reply);
        yield { type: 'delta', text: event.text };
      }
      state.upstreamEnded();
      yield FINISHING;
      const title = conversation?.title ?? state.title ?? titleFromPrompt(input.prompt);
      outcome = state.outcome('complete');
      await recorder.finish(outcome, {
        title,
        account_name: state.account,
        account_kind: state.kind,
        model: state.model,
        upstream_conversation_id:
          state.upstreamConversationId ?? conversation?.upstream_conversation_id ?? null,
        last_upstream_message_id: state.messageId ?? null,
        updated_at: clock(),
      });
      // Logged before the last events: a client that leaves after them must not lose the line.
      summarize('complete');
      if (state.title && !conversation?.title) yield { type: 'title', title: state.title };
      const last = turns.at(-1);
      yield {
        type: 'done',
        result: {
          conversationId,
          turnId,
          messageId: state.messageId,
          title,
          reply: state.reply,
          prompt: input.prompt,
          model: state.model ?? input.model ?? 'auto',
          account: state.account ?? '',
          finishReason: state.finish,
          ...(state.toolCalls && { toolCalls: state.calls() }),
          usage: state.usage,
          startedAt,
          finishedAt: clock(),
          isNew: !conversation,
          ...(last && { previous: { prompt: last.prompt, reply: last.reply } }),
        },
      };
    } catch (error) {
      state.upstreamEnded();
      const cancelled = input.signal.aborted || (isUpstreamError(error) && error.kind === 'cancelled');
      const appError = isAppError(error)
        ? error
        : isUpstreamError(error)
          ? upstreamToAppError(error, accessToken !== undefined)
          : undefined;
      const status = cancelled ? 'cancelled' : state.reply ? 'incomplete' : 'error';
      outcome = state.outcome(status, {
        code: appError?.code ?? 'internal_error',
        message: appError?.message ?? 'Internal error',
      });
      await recorder
        .finish(outcome)
        .catch((e: unknown) => logger.error({ err: e }, 'could not record a failed turn'));
      summarize(status, outcome.errorCode);
      throw appError ?? error;
    } finally {
      if (!outcome) {
        // The consumer stopped reading (client gone): the upstream call was aborted with the stream.
        await recorder
          .finish(state.outcome('cancelled', { code: 'cancelled', message: 'The client went away' }))
          .catch(() => undefined);
        summarize('cancelled', 'cancelled');
      }
    }
  }

  return { chat };
}

export type ChatService = ReturnType<typeof createChatService>;
