/**
 * Reading and removing stored conversations (the original's recall and remove-conversation),
 * and the admin view of all of them. Rights come from access.ts: owner, the owner's client, or
 * an admin; anyone else gets 404. Reads or removals of someone else's conversation are logged.
 */
import type { AccountPool, AccountResolver } from '../pool/index.js';
import { notFound } from '../errors.js';
import { redact } from '../redact.js';
import type { ConversationFilter, ConversationRow, Store } from '../store/index.js';
import type { Provider, ProviderAccount } from '../upstream/types.js';
import type { Principal } from '../users/principal.js';
import { loadConversationFor } from './access.js';
import { hashOwnToken } from './own-token.js';
import {
  originalMessageMap,
  presentAdminConversation,
  presentConversation,
  presentTurn,
  type AdminConversationView,
  type ConversationView,
  type TurnView,
} from './presenter.js';

export interface ConversationLogger {
  info(object: Record<string, unknown>, message: string): void;
  warn(object: Record<string, unknown>, message: string): void;
}

export interface ConversationServiceDeps {
  store: Store;
  pool: Pick<AccountPool, 'accounts'>;
  providers: { chatgpt: Pick<Provider, 'deleteConversation'> };
  resolveAccount: AccountResolver;
  /** The caller's own ChatGPT account for a token (see own-token.ts), to hide such conversations. */
  ownTokenAccount?: (accessToken: string) => ProviderAccount;
  logger: ConversationLogger;
  clock?: () => number;
  /** Bound on hiding a conversation upstream; removal never waits longer. */
  hideTimeoutMs?: number;
}

export interface Page {
  limit: number;
  offset: number;
}

export interface ConversationDetail {
  conversation: ConversationView & { user_id: string };
  turns: TurnView[];
  totalTurns: number;
  /** The original's shape: upstream message id → { prompt, reply, time }. */
  messages: ReturnType<typeof originalMessageMap>;
}

export function createConversationService(deps: ConversationServiceDeps) {
  const { store, logger } = deps;
  const clock = deps.clock ?? Date.now;
  const hideTimeoutMs = deps.hideTimeoutMs ?? 10_000;

  function logForeignAccess(principal: Principal, conversation: ConversationRow, action: string): void {
    if (conversation.user_id === principal.userId) return;
    logger.info(
      {
        by: principal.userId,
        admin: principal.admin,
        conversation_id: conversation.id,
        owner: conversation.user_id,
        action,
      },
      principal.admin ? 'admin accessed a conversation' : 'client accessed a conversation',
    );
  }

  /** The upstream account holding a conversation, when we can reach it. */
  async function holderOf(
    conversation: ConversationRow,
    accessToken: string | undefined,
    signal: AbortSignal,
  ): Promise<ProviderAccount | undefined> {
    if (conversation.origin === 'own_token') {
      // The token is not stored: only a caller who passes it again can have it hidden.
      if (!accessToken || !deps.ownTokenAccount || hashOwnToken(accessToken) !== conversation.own_token_hash)
        return undefined;
      return deps.ownTokenAccount(accessToken);
    }
    if (conversation.account_kind !== 'chatgpt') return undefined;
    const spec = deps.pool.accounts().find((a) => a.name === conversation.account_name);
    return spec ? deps.resolveAccount(spec, signal) : undefined; // no spec: the account was removed
  }

  /** Hides the conversation in the ChatGPT web account that holds it. Never throws. */
  async function hideUpstream(conversation: ConversationRow, accessToken?: string): Promise<boolean> {
    const upstreamId = conversation.upstream_conversation_id;
    if (!upstreamId) return false;
    const signal = AbortSignal.timeout(hideTimeoutMs);
    try {
      const account = await holderOf(conversation, accessToken, signal);
      if (!account) return false;
      await deps.providers.chatgpt.deleteConversation(account, upstreamId, signal);
      return true;
    } catch (error) {
      logger.warn(
        {
          conversation_id: conversation.id,
          account: conversation.account_name,
          error: redact(error instanceof Error ? error.message : String(error), [accessToken]),
        },
        'could not hide a removed conversation upstream',
      );
      return false;
    }
  }

  async function turnCounts(ids: string[]): Promise<Map<string, number>> {
    return store.turns.countByConversation(ids);
  }

  return {
    /** The caller's own conversations, most recently used first. */
    async listFor(principal: Principal, page: Page): Promise<{ items: ConversationView[]; total: number }> {
      const { rows, total } = await store.conversations.search({ userId: principal.userId, ...page });
      const counts = await turnCounts(rows.map((r) => r.id));
      return { items: rows.map((r) => presentConversation(r, counts.get(r.id) ?? 0)), total };
    },

    /** Every conversation matching the filter (admins). */
    async search(filter: ConversationFilter): Promise<{ items: AdminConversationView[]; total: number }> {
      const { rows, total } = await store.conversations.search(filter);
      const counts = await turnCounts(rows.map((r) => r.id));
      return { items: rows.map((r) => presentAdminConversation(r, counts.get(r.id) ?? 0)), total };
    },

    /** One conversation and a page of its turns, in order. */
    async read(principal: Principal, id: string, page: Page): Promise<ConversationDetail> {
      const conversation = await loadConversationFor(store, principal, id);
      logForeignAccess(principal, conversation, 'read');
      const [turns, counts] = await Promise.all([
        store.turns.listForConversation(id, page),
        turnCounts([id]),
      ]);
      const totalTurns = counts.get(id) ?? 0;
      return {
        conversation: { ...presentConversation(conversation, totalTurns), user_id: conversation.user_id },
        turns: turns.map(presentTurn),
        totalTurns,
        messages: originalMessageMap(turns),
      };
    },

    /**
     * Soft-deletes a conversation (its turns stay for the records) and hides it upstream when
     * it lives on a pooled ChatGPT web account, or on the caller's own account when they pass
     * its `accessToken` again. `ownerId` narrows an admin's removal to one user.
     */
    async remove(
      principal: Principal,
      id: string,
      options: { ownerId?: string; accessToken?: string } = {},
    ): Promise<{ upstreamHidden: boolean }> {
      const conversation = await loadConversationFor(store, principal, id);
      if (options.ownerId !== undefined && conversation.user_id !== options.ownerId)
        throw notFound('Conversation not found', 'conversation_not_found');
      if (!(await store.conversations.softDelete(id, clock())))
        throw notFound('Conversation not found', 'conversation_not_found');
      logForeignAccess(principal, conversation, 'remove');
      const upstreamHidden = await hideUpstream(conversation, options.accessToken);
      logger.info(
        {
          by: principal.userId,
          conversation_id: id,
          owner: conversation.user_id,
          upstream_hidden: upstreamHidden,
        },
        'conversation removed',
      );
      return { upstreamHidden };
    },
  };
}

export type ConversationService = ReturnType<typeof createConversationService>;
