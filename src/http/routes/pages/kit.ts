/**
 * What every page route shares: who is calling (session or a key typed into the form), the
 * frame of a page (CSRF token, demo flag), and sending HTML.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { unauthorized, AppError, forbidden } from '../../../errors.js';
import type { Principal } from '../../../users/principal.js';
import type { AppDeps } from '../../deps.js';
import { requestParams } from '../../input.js';
import { csrfUserInfo, type BrowserSessions } from '../../session.js';
import type { PageFrame } from '../../views/layout.js';

export interface PageKit {
  deps: AppDeps;
  sessions: BrowserSessions;
  /** The signed-in principal, if any. */
  sessionPrincipal(request: FastifyRequest): Promise<Principal | undefined>;
  /** A key typed into the form (`user`) wins over the session; a wrong key is a 401. */
  userFromFormOrSession(request: FastifyRequest): Promise<Principal | undefined>;
  /**
   * The admin for an admin page: the session (or, with `acceptKey`, an `admin` key typed into
   * the form, as the original's add-user form had). Undefined means "not signed in" (the caller
   * redirects to the sign-in page); a non-admin gets 403, a wrong key 401.
   */
  adminFor(request: FastifyRequest, options?: { acceptKey?: boolean }): Promise<Principal | undefined>;
  frame(request: FastifyRequest, reply: FastifyReply, principal: Principal | undefined): PageFrame;
  sendPage(reply: FastifyReply, page: string, status?: number): FastifyReply;
  redirectToSignin(request: FastifyRequest, reply: FastifyReply): FastifyReply;
}

const firstString = (value: unknown): string | undefined => {
  const v = Array.isArray(value) ? value[0] : value;
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
};

/** Only local paths, so `next` cannot send anyone to another site. */
export function safeNext(value: unknown): string {
  const next = firstString(value);
  return next && /^\/(?![/\\])[^\s\\]*$/.test(next) ? next : '/chat';
}

export function createPageKit(deps: AppDeps, sessions: BrowserSessions): PageKit {
  const simulated = deps.config.simulated === true;
  return {
    deps,
    sessions,
    sessionPrincipal: (request) => sessions.principal(request),

    async userFromFormOrSession(request) {
      const key = firstString(requestParams(request).user);
      if (key) {
        const principal = await deps.users.authenticate(key);
        if (!principal) throw unauthorized('Invalid user specified');
        return principal;
      }
      return sessions.principal(request);
    },

    async adminFor(request, options = {}) {
      const principal = await sessions.principal(request);
      if (principal) {
        if (!principal.admin) throw forbidden('Admin access required');
        return principal;
      }
      const key = options.acceptKey ? firstString(requestParams(request).admin) : undefined;
      return key ? deps.users.requireAdmin(key) : undefined;
    },

    frame(request, reply, principal) {
      const csrf = reply.generateCsrf({ userInfo: csrfUserInfo(request) });
      return { principal, csrf, simulated };
    },

    sendPage(reply, page, status = 200) {
      return reply.status(status).type('text/html; charset=utf-8').send(page);
    },

    redirectToSignin(request, reply) {
      if (request.method !== 'GET') throw new AppError(401, 'no_session', 'Please sign in first');
      // Only the path: a query string could carry a key, and keys never go into URLs we make.
      const path = request.url.split('?')[0];
      return reply.redirect(`/signin?next=${encodeURIComponent(safeNext(path))}`, 303);
    },
  };
}
