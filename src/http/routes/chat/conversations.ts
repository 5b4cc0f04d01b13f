/**
 * The original's HEAD conversation routes: `/api/recall` (my conversations, or one with its
 * turns) and `/api/remove-conversation` (owner, their client, or an admin). Someone else's
 * conversation is answered exactly like a missing one (404).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { originalConversationMap } from '../../../chat/presenter.js';
import type { Principal } from '../../../users/principal.js';
import type { AppDeps } from '../../deps.js';
import { authenticateUser } from '../../auth.js';
import { parseInput, requestParams, text } from '../../input.js';
import { conversationServiceFrom } from './conversation-service.js';
import { pageFields } from './paging.js';

const id = text.pipe(z.string().trim().min(1).max(128));

const recallParams = z.object({
  conversation_id: text.pipe(z.string().trim().max(128)).optional(),
  ...pageFields,
});

const removeParams = z.object({
  conversation_id: id,
  user_id: id.optional(),
  userid: id.optional(),
  /** For a conversation started with the caller's own token: lets us hide it upstream too. */
  access_token: text.pipe(z.string().trim().max(8192)).optional(),
});

export function conversationRoutes(deps: AppDeps) {
  const { users } = deps;
  const conversations = conversationServiceFrom(deps);

  /** The `admin` key, or a user (or a client acting for its user); admins may name the owner. */
  async function remover(request: FastifyRequest): Promise<{ principal: Principal; viaAdminKey: boolean }> {
    const adminKey = requestParams(request).admin;
    if (adminKey === undefined)
      return { principal: await authenticateUser(request, users), viaAdminKey: false };
    const key = Array.isArray(adminKey) ? adminKey[0] : adminKey;
    return {
      principal: await users.requireAdmin(typeof key === 'string' ? key : undefined),
      viaAdminKey: true,
    };
  }

  return async function routes(app: FastifyInstance): Promise<void> {
    app.route({
      method: ['GET', 'POST'],
      url: '/api/recall',
      handler: async (request) => {
        const principal = await authenticateUser(request, users);
        const { conversation_id, limit, offset } = parseInput(recallParams, requestParams(request));
        if (conversation_id) {
          const detail = await conversations.read(principal, conversation_id, { limit, offset });
          return {
            status: 'success',
            conversation: detail.conversation,
            turns: detail.turns,
            total_turns: detail.totalTurns,
            limit,
            offset,
            messages: detail.messages,
          };
        }
        const { items, total } = await conversations.listFor(principal, { limit, offset });
        return {
          status: 'success',
          user_id: principal.userId,
          total,
          limit,
          offset,
          items,
          conversations: originalConversationMap(items),
        };
      },
    });

    app.route({
      method: ['GET', 'POST'],
      url: '/api/remove-conversation',
      handler: async (request) => {
        const { principal, viaAdminKey } = await remover(request);
        const params = parseInput(removeParams, requestParams(request));
        const ownerId = viaAdminKey ? (params.user_id ?? params.userid) : undefined;
        const { upstreamHidden } = await conversations.remove(principal, params.conversation_id, {
          ownerId,
          accessToken: params.access_token || undefined,
        });
        return {
          status: 'success',
          message: 'Conversation removed',
          conversation_id: params.conversation_id,
          upstream_hidden: upstreamHidden,
        };
      },
    });
  };
}
