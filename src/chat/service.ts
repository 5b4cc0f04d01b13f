/**
 * The chat use case shared by every front door: check rights, load or create the conversation,
 * record the turn, run it on the caller's own token or on a pooled account (with failover),
 * and stream ChatEvents back. Errors are thrown as AppError; before the first delta they carry
 * the real HTTP status, after it the renderers turn them into an error event.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/types.js';
import { AppError, conflict, isAppError } from '../errors.js';
import {
  runTurnWithFailover,
  type AccountPool,
  type AccountResolver,
  type CredentialManager,
  type FailoverEvent,
} from '../pool/index.js';
import type { ConversationRow, Store, TurnRow } from '../store/index.js';
import type { Metrics, TurnOutcomeLabel } from '../metrics/index.js';
import type { DispatcherRegistry } from '../upstream/http/index.js';
import { isUpstreamError, type Provider, type UpstreamKind } from '../upstream/types.js';
import { loadConversationFor } from './access.js';
import { messagesForAttempt, titleFromPrompt } from './history.js';
import { chooseModel, upstreamModel } from './models.js';
import { hashOwnToken, OWN_TOKEN_ACCOUNT, ownTokenAccount } from './own-token.js';
import { enforceDailyQuota } from './quota.js';
import { startTurnRecord, type TurnOutcome } from './recorder.js';
import { BLANK_PROMPT_REPLY, type ChatEvent, type ChatInput, type ChatResult } from './types.js';
import { upstreamToAppError } from './upstream-errors.js';

export interface ChatServiceDeps {
  config: AppConfig;
  store: Store;
  pool: AccountPool;
  providers: Record<UpstreamKind, Provider>;
  resolveAccount: AccountResolver;
  credentials: CredentialManager;
  dispatchers: DispatcherRegistry;
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

const roundMs = (ms: number | undefined): number | undefined =>
  ms === undefined ? undefined : Math.round(ms * 10) / 10;

export function createChatService(deps: ChatServiceDeps) {
  const { config, store, pool, providers, logger } = deps;
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
    await enforceDailyQuota({
      store,
      principal,
      now: startedAt,
      onRejected: () => deps.metrics?.rateLimited('daily_quota'),
    });
    const conversation = input.conversationId
      ? await loadConversationFor(store, principal, input.conversationId)
      : undefined;
    if (conversation) checkOrigin(conversation, accessToken);
    const choice = accessToken
      ? undefined
      : chooseModel(config, pool.accounts(), input.model, input.tier, principal.plus);
    if (input.tier === 'plus' && !principal.plus && !accessToken)
      throw new AppError(403, 'plus_not_allowed', 'Your key does not have plus access');

    const turns: TurnRow[] = conversation ? await store.turns.listForConversation(conversation.id) : [];
    const conversationId = conversation?.id ?? randomUUID();
    if (!conversation) {
      await store.conversations.insert({
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
      });
    }
    const turnId = randomUUID();
    const recorder = await startTurnRecord({
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
      },
    });

    let stream: AsyncIterable<FailoverEvent>;
    let parentUsed: string | undefined;
    if (accessToken) {
      const account = ownTokenAccount(config, deps.dispatchers, accessToken);
      const model = input.model ?? (input.userPlus ? 'gpt-4o' : 'auto');
      const plan = messagesForAttempt({
        kind: 'chatgpt',
        accountName: OWN_TOKEN_ACCOUNT,
        prompt: input.prompt,
        callerMessages: input.messages,
        conversation,
        turns,
      });
      parentUsed = plan.parentMessageId;
      stream = (async function* () {
        yield { type: 'account', name: OWN_TOKEN_ACCOUNT, kind: 'chatgpt', attempt: 1 } as const;
        yield { type: 'ids', model } as const;
        yield* providers.chatgpt.streamTurn(account, {
          messages: plan.messages,
          model,
          conversationId: plan.upstreamConversationId,
          parentMessageId: plan.parentMessageId,
          sampling: input.sampling,
          signal: input.signal,
        });
      })();
    } else {
      const sticky =
        conversation?.account_kind === 'chatgpt' ? (conversation.account_name ?? undefined) : undefined;
      stream = runTurnWithFailover({
        pool,
        providers,
        resolveAccount: deps.resolveAccount,
        credentials: deps.credentials,
        select: {
          tier: choice?.tier ?? input.tier,
          userPlus: principal.plus,
          kinds: choice?.kinds,
          model: choice?.name,
          stickyAccount: sticky,
          signal: input.signal,
        },
        buildRequest: (spec) => {
          const plan = messagesForAttempt({
            kind: spec.kind,
            accountName: spec.name,
            prompt: input.prompt,
            callerMessages: input.messages,
            conversation,
            turns,
          });
          parentUsed = plan.parentMessageId;
          return {
            messages: plan.messages,
            model: upstreamModel(choice ?? { tier: input.tier }, spec),
            conversationId: plan.upstreamConversationId,
            parentMessageId: plan.parentMessageId,
            sampling: input.sampling,
            signal: input.signal,
          };
        },
      });
    }

    const state = {
      reply: '',
      account: null as string | null,
      kind: null as UpstreamKind | null,
      model: null as string | null,
      messageId: null as string | null,
      upstreamConversationId: null as string | null,
      title: null as string | null,
      finish: 'stop',
      usage: {} as ChatResult['usage'],
      firstByteMs: null as number | null,
      started: false,
      // performance.now() marks of the upstream part, for the overhead header and metrics.
      upstreamStartedAt: null as number | null,
      upstreamFirstByteMs: undefined as number | undefined,
      upstreamMs: undefined as number | undefined,
    };
    const upstreamEnded = (): void => {
      if (state.upstreamStartedAt === null || state.upstreamMs !== undefined) return;
      state.upstreamMs = performance.now() - state.upstreamStartedAt;
      if (input.timing) input.timing.upstreamMs = state.upstreamMs;
    };
    /** The one summary line per turn (on the request's logger, so it carries the request id). */
    const summarize = (status: TurnOutcomeLabel, errorCode?: string): void => {
      upstreamEnded();
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
          parent: parentUsed ? 'yes' : 'no',
          first_byte_ms: state.firstByteMs,
          upstream_first_byte_ms: roundMs(state.upstreamFirstByteMs),
          upstream_ms: roundMs(state.upstreamMs),
          ms: clock() - startedAt,
          prompt_chars: input.prompt.length,
          reply_chars: state.reply.length,
          ...(state.usage.promptTokens !== undefined && { prompt_tokens: state.usage.promptTokens }),
          ...(state.usage.completionTokens !== undefined && {
            completion_tokens: state.usage.completionTokens,
          }),
        },
        'turn',
      );
    };
    let outcome: TurnOutcome | undefined;
    const outcomeOf = (
      status: TurnOutcome['status'],
      error?: { code: string; message: string },
    ): TurnOutcome => ({
      status,
      reply: state.reply,
      account: state.account,
      model: state.model,
      messageId: state.messageId,
      errorCode: error?.code,
      errorMessage: error?.message,
      promptTokens: state.usage.promptTokens,
      completionTokens: state.usage.completionTokens,
      firstByteMs: state.firstByteMs,
    });
    try {
      for await (const event of stream) {
        switch (event.type) {
          case 'account':
            state.upstreamStartedAt ??= performance.now();
            state.account = event.name;
            state.kind = event.kind;
            break;
          case 'ids':
            if (event.conversationId) state.upstreamConversationId = event.conversationId;
            if (event.messageId) state.messageId = event.messageId;
            if (event.model) state.model = event.model;
            break;
          case 'title':
            state.title = event.title;
            break;
          case 'usage':
            state.usage = {
              promptTokens: event.promptTokens,
              completionTokens: event.completionTokens,
              totalTokens: event.totalTokens,
            };
            break;
          case 'finish':
            state.finish = event.reason;
            break;
          case 'delta':
            if (!state.started) {
              state.started = true;
              state.firstByteMs = clock() - startedAt;
              state.upstreamFirstByteMs = performance.now() - (state.upstreamStartedAt ?? performance.now());
              if (input.timing) input.timing.upstreamFirstByteMs = state.upstreamFirstByteMs;
              yield {
                type: 'start',
                conversationId,
                turnId,
                model: state.model ?? input.model ?? 'auto',
                account: state.account ?? '',
              };
            }
            state.reply += event.text;
            recorder.partial(state.reply);
            yield { type: 'delta', text: event.text };
            break;
        }
      }
      upstreamEnded();
      const title = conversation?.title ?? state.title ?? titleFromPrompt(input.prompt);
      outcome = outcomeOf('complete');
      await recorder.finish(outcome);
      await store.conversations.update(conversationId, {
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
          usage: state.usage,
          startedAt,
          finishedAt: clock(),
          isNew: !conversation,
          ...(last && { previous: { prompt: last.prompt, reply: last.reply } }),
        },
      };
    } catch (error) {
      upstreamEnded();
      const cancelled = input.signal.aborted || (isUpstreamError(error) && error.kind === 'cancelled');
      const appError = isAppError(error)
        ? error
        : isUpstreamError(error)
          ? upstreamToAppError(error, accessToken !== undefined)
          : undefined;
      const status = cancelled ? 'cancelled' : state.reply ? 'incomplete' : 'error';
      outcome = outcomeOf(status, {
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
          .finish(outcomeOf('cancelled', { code: 'cancelled', message: 'The client went away' }))
          .catch(() => undefined);
        summarize('cancelled', 'cancelled');
      }
    }
  }

  return { chat };
}

export type ChatService = ReturnType<typeof createChatService>;
