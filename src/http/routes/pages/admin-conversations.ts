/** Admin console: everyone's conversations, filtered, and one conversation read in full. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { parseInput, text } from '../../input.js';
import { adminConversationPage, adminConversationsPage } from '../../views/admin-conversations.js';
import { turnFromRow } from '../../views/conversation.js';
import { allConversations, conversationWithTurns } from './data.js';
import type { PageKit } from './kit.js';

const PAGE_SIZE = 50;
const short = text.pipe(z.string().trim().max(200)).default('');
const filterQuery = z.object({
  user: short,
  account: short,
  status: z.enum(['', 'complete', 'incomplete', 'cancelled', 'error', 'pending']).default(''),
  q: short,
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

export function adminConversationPageRoutes(kit: PageKit) {
  const { store } = kit.deps;
  return async function routes(app: FastifyInstance): Promise<void> {
    app.get('/admin/conversations', async (request, reply) => {
      if (!(await kit.adminFor(request))) return kit.redirectToSignin(request, reply);
      const filter = parseInput(filterQuery, request.query);
      const { rows, total } = await allConversations(store, {
        userId: filter.user || undefined,
        accountName: filter.account || undefined,
        status: filter.status || undefined,
        text: filter.q || undefined,
        limit: PAGE_SIZE,
        offset: filter.offset,
      });
      const frame = kit.frame(request, reply, await kit.sessionPrincipal(request));
      return kit.sendPage(reply, adminConversationsPage({ frame, filter, rows, total, pageSize: PAGE_SIZE }));
    });

    app.get<{ Params: { id: string } }>('/admin/conversations/:id', async (request, reply) => {
      const admin = await kit.adminFor(request);
      if (!admin) return kit.redirectToSignin(request, reply);
      const { conversation, turns } = await conversationWithTurns(store, admin, request.params.id);
      request.log.info(
        { conversation: conversation.id, owner: conversation.user_id, by: admin.userId },
        'admin read a conversation',
      );
      const frame = kit.frame(request, reply, await kit.sessionPrincipal(request));
      return kit.sendPage(
        reply,
        adminConversationPage({ frame, conversation, turns: turns.map(turnFromRow) }),
      );
    });
  };
}
