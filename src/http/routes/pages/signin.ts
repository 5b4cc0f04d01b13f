/** /signin and /signout: a key entered once starts a browser session (see src/http/session.ts). */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { parseInput, requestParams, text } from '../../input.js';
import { signinPage } from '../../views/signin.js';
import { safeNext, type PageKit } from './kit.js';

const signinForm = z.object({
  key: text.pipe(z.string().trim().max(512)).default(''),
  next: text.optional(),
});

export function signinRoutes(kit: PageKit) {
  return async function routes(app: FastifyInstance): Promise<void> {
    app.get('/signin', async (request, reply) => {
      const principal = await kit.sessionPrincipal(request);
      const next = safeNext((request.query as Record<string, unknown>).next);
      return kit.sendPage(reply, signinPage({ frame: kit.frame(request, reply, principal), next }));
    });

    app.post('/signin', async (request, reply) => {
      const input = parseInput(signinForm, requestParams(request));
      const next = safeNext(input.next);
      const principal = input.key ? await kit.deps.users.authenticate(input.key) : undefined;
      if (!principal) {
        // Same answer for an unknown and a wrong key.
        const frame = kit.frame(request, reply, await kit.sessionPrincipal(request));
        return kit.sendPage(
          reply,
          signinPage({ frame, next, notice: { kind: 'error', text: 'Invalid key' } }),
          401,
        );
      }
      await kit.sessions.start(request, reply, { userId: principal.userId, key: input.key });
      request.log.info({ user_id: principal.userId }, 'signed in');
      return reply.redirect(next, 303);
    });

    app.post('/signout', async (request, reply) => {
      await kit.sessions.end(request, reply);
      return reply.redirect('/signin', 303);
    });
  };
}
