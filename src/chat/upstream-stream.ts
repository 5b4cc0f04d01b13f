/**
 * Where a turn runs: on the caller's own ChatGPT token (no pool), or on a pooled account with
 * failover. Either way the chat service gets one stream of events, starting with the account.
 */
import type { AppConfig } from '../config/types.js';
import {
  runTurnWithFailover,
  type AccountPool,
  type AccountResolver,
  type CredentialManager,
  type FailoverEvent,
} from '../pool/index.js';
import type { ConversationRow, TurnRow } from '../store/index.js';
import type { DispatcherRegistry } from '../upstream/http/index.js';
import type { Provider, UpstreamKind } from '../upstream/types.js';
import { messagesForAttempt } from './history.js';
import { upstreamModel, type ModelChoice } from './models.js';
import { OWN_TOKEN_ACCOUNT, ownTokenAccount } from './own-token.js';
import type { ChatInput } from './types.js';

export interface UpstreamDeps {
  config: AppConfig;
  pool: AccountPool;
  providers: Record<UpstreamKind, Provider>;
  resolveAccount: AccountResolver;
  credentials: CredentialManager;
  dispatchers: DispatcherRegistry;
}

export interface TurnPlan {
  input: ChatInput;
  conversation?: ConversationRow;
  turns: TurnRow[];
  choice?: ModelChoice;
}

/** The stream of a turn, and whether it continued an upstream conversation (for the log). */
export function openUpstreamStream(
  deps: UpstreamDeps,
  plan: TurnPlan,
): { stream: AsyncIterable<FailoverEvent>; continued: () => boolean } {
  const { input, conversation, turns, choice } = plan;
  let parentUsed: string | undefined;
  const continued = () => parentUsed !== undefined;

  if (input.accessToken) {
    const account = ownTokenAccount(deps.config, deps.dispatchers, input.accessToken);
    const model = input.model ?? (input.userPlus ? 'gpt-4o' : 'auto');
    const messages = messagesForAttempt({
      kind: 'chatgpt',
      accountName: OWN_TOKEN_ACCOUNT,
      prompt: input.prompt,
      callerMessages: input.messages,
      conversation,
      turns,
    });
    parentUsed = messages.parentMessageId;
    const provider = deps.providers.chatgpt;
    const stream = (async function* (): AsyncGenerator<FailoverEvent> {
      yield { type: 'account', name: OWN_TOKEN_ACCOUNT, kind: 'chatgpt', attempt: 1 };
      yield { type: 'ids', model };
      yield* provider.streamTurn(account, {
        messages: messages.messages,
        model,
        conversationId: messages.upstreamConversationId,
        parentMessageId: messages.parentMessageId,
        sampling: input.sampling,
        signal: input.signal,
      });
    })();
    return { stream, continued };
  }

  // A ChatGPT-web conversation's history lives on the account that started it.
  const sticky =
    conversation?.account_kind === 'chatgpt' ? (conversation.account_name ?? undefined) : undefined;
  const stream = runTurnWithFailover({
    pool: deps.pool,
    providers: deps.providers,
    resolveAccount: deps.resolveAccount,
    credentials: deps.credentials,
    select: {
      tier: choice?.tier ?? input.tier,
      userPlus: input.principal.plus,
      kinds: choice?.kinds,
      model: choice?.name,
      stickyAccount: sticky,
      signal: input.signal,
    },
    buildRequest: (spec) => {
      const messages = messagesForAttempt({
        kind: spec.kind,
        accountName: spec.name,
        prompt: input.prompt,
        callerMessages: input.messages,
        conversation,
        turns,
      });
      parentUsed = messages.parentMessageId;
      return {
        messages: messages.messages,
        model: upstreamModel(choice ?? { tier: input.tier }, spec),
        conversationId: messages.upstreamConversationId,
        parentMessageId: messages.parentMessageId,
        sampling: input.sampling,
        tools: input.tools,
        responseFormat: input.responseFormat,
        stream: input.stream,
        signal: input.signal,
      };
    },
  });
  return { stream, continued };
}
