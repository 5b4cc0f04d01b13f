/**
 * Admins see everything (the original README's promise, never implemented there): every stored
 * conversation with filters, and any single one with its turns. Every access is logged.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Principal } from '../../../users/principal.js';
import type { AppDeps } from '../../deps.js';
import { credentialFrom, parseInput, requestParams, text } from '../../input.js';
import { conversationServiceFrom } from '../chat/conversation-service.js';
import { pageFields } from '../chat/paging.js';

/** An ISO 8601 date/time or epoch milliseconds, as epoch milliseconds. */
const instant = text.transform((value, ctx) => {
  const trimmed = value.trim();
  const ms = /^\d+$/.test(trimmed) ? Number(trimmed) : Date.parse(trimmed);
  if (!Number.isFinite(ms)) {
    ctx.addIssue({ code: 'custom', message: 'expected an ISO date or epoch milliseconds' });
    return z.NEVER;
  }
  return ms;
});

const name = text.pipe(z.string().trim().min(1).max(200));

const listParams = z.object({
  user_id: name.optional(),
  account: name.optional(),
  from: instant.optional(),
  to: instant.optional(),
  status: text.pipe(z.enum(['pending', 'complete', 'incomplete', 'cancelled', 'error'])).optional(),
  q: text.pipe(z.string().trim().max(500)).optional(),
  ...pageFields,
});

const pageParams = z.object(pageFields);

export function adminConversationRoutes(deps: AppDeps) {
  const { users } = deps;
  const conversations = conversationServiceFrom(deps);
  const requireAdmin = (request: FastifyRequest): Promise<Principal> =>
    users.requireAdmin(credentialFrom(request, 'admin'));

  return async function routes(app: FastifyInstance): Promise<void> {
    app.get('/api/admin/conversations', async (request) => {
      const admin = await requireAdmin(request);
      const params = parseInput(listParams, requestParams(request));
      const filter = {
        userId: params.user_id,
        accountName: params.account,
        from: params.from,
        to: params.to,
        status: params.status,
        text: params.q || undefined,
        limit: params.limit,
        offset: params.offset,
      };
      const { items, total } = await conversations.search(filter);
      request.log.info(
        {
          admin_id: admin.userId,
          filter: { ...filter, text: filter.text === undefined ? undefined : '[given]' },
          total,
        },
        'admin listed conversations',
      );
      return { status: 'success', total, limit: params.limit, offset: params.offset, items };
    });

    app.get<{ Params: { id: string } }>('/api/admin/conversations/:id', async (request) => {
      const admin = await requireAdmin(request);
      const { limit, offset } = parseInput(pageParams, requestParams(request));
      const detail = await conversations.read(admin, request.params.id, { limit, offset });
      request.log.info(
        { admin_id: admin.userId, conversation_id: request.params.id, owner: detail.conversation.user_id },
        'admin read a conversation',
      );
      return {
        status: 'success',
        conversation: detail.conversation,
        turns: detail.turns,
        total_turns: detail.totalTurns,
        limit,
        offset,
        messages: detail.messages,
      };
    });

    app.delete<{ Params: { id: string } }>('/api/admin/conversations/:id', async (request) => {
      const admin = await requireAdmin(request);
      const { upstreamHidden } = await conversations.remove(admin, request.params.id);
      return {
        status: 'success',
        message: 'Conversation removed',
        conversation_id: request.params.id,
        upstream_hidden: upstreamHidden,
      };
    });
  };
}
