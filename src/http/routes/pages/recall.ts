/** /recall: the signed-in user's conversations, searchable, with delete. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { parseInput, requestParams, text } from '../../input.js';
import { recallPage } from '../../views/recall.js';
import { deleteConversation, myConversations } from './data.js';
import type { PageKit } from './kit.js';

const PAGE_SIZE = 50;
const listQuery = z.object({
  q: text.pipe(z.string().trim().max(200)).default(''),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});
const deleteForm = z.object({
  conversation_id: text.pipe(z.string().trim().min(1).max(128)),
  q: text.pipe(z.string().trim().max(200)).default(''),
});

export function recallPageRoutes(kit: PageKit) {
  const { store } = kit.deps;
  return async function routes(app: FastifyInstance): Promise<void> {
    app.get('/recall', async (request, reply) => {
      const principal = await kit.sessionPrincipal(request);
      if (!principal) return kit.redirectToSignin(request, reply);
      const { q, offset } = parseInput(listQuery, request.query);
      const { rows, total } = await myConversations(store, principal, { q, limit: PAGE_SIZE, offset });
      const conversations = rows.map((c) => ({
        id: c.id,
        title: c.title,
        updatedAt: c.updated_at,
        model: c.model,
        account: c.account_name,
      }));
      const frame = kit.frame(request, reply, principal);
      return kit.sendPage(reply, recallPage({ frame, q, conversations, total, offset, pageSize: PAGE_SIZE }));
    });

    app.post('/recall/delete', async (request, reply) => {
      const principal = await kit.sessionPrincipal(request);
      if (!principal) return kit.redirectToSignin(request, reply);
      const input = parseInput(deleteForm, requestParams(request));
      await deleteConversation(store, principal, input.conversation_id);
      request.log.info({ conversation: input.conversation_id, by: principal.userId }, 'conversation deleted');
      return reply.redirect(`/recall${input.q ? `?q=${encodeURIComponent(input.q)}` : ''}`, 303);
    });
  };
}
