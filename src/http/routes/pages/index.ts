/**
 * The browser pages. Everything they need for safety is registered here, encapsulated so the
 * APIs are not affected: cookies, CSRF (the @fastify/csrf-protection double-submit cookie,
 * its token bound to the session id), strict security headers and `no-store` on pages.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import helmet from '@fastify/helmet';
import type { AppDeps } from '../../deps.js';
import { ASSETS } from '../../assets/index.js';
import {
  createBrowserSessions,
  createStoredSessionStore,
  csrfUserInfo,
  type SessionStore,
} from '../../session.js';
import { createPageKit } from './kit.js';
import { chatPageRoutes } from './chat.js';
import { signinRoutes } from './signin.js';
import { accessTokenPageRoutes } from './access-token.js';
import { recallPageRoutes } from './recall.js';
import { adminUserPageRoutes } from './admin-users.js';
import { adminAccountPageRoutes } from './admin-accounts.js';
import { adminConversationPageRoutes } from './admin-conversations.js';
import { adminUsagePageRoutes } from './admin-usage.js';

export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; " +
  "base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

const derivedKey = (secret: string, purpose: string): string =>
  createHash('sha256').update(`${purpose}:${secret}`).digest('base64url');

export interface PageRoutesOptions {
  /** Where browser sessions live (default: the store's sessions table). */
  sessions?: SessionStore;
  sessionTtlMs?: number;
}

export function pageRoutes(deps: AppDeps, options: PageRoutesOptions = {}) {
  return async function routes(app: FastifyInstance): Promise<void> {
    const secret = deps.config.server.app_secret;
    await app.register(cookie, { secret: derivedKey(secret, 'cookie') });
    await app.register(csrf, {
      sessionPlugin: '@fastify/cookie',
      cookieKey: 'cas_csrf',
      cookieOpts: { path: '/', sameSite: 'strict', httpOnly: true, secure: 'auto', signed: true },
      csrfOpts: { hmacKey: derivedKey(secret, 'csrf') },
      getUserInfo: csrfUserInfo,
    });
    await app.register(helmet, {
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          objectSrc: ["'none'"],
          baseUri: ["'none'"],
          frameAncestors: ["'none'"],
          formAction: ["'self'"],
        },
      },
      // HSTS belongs to whoever terminates TLS; a LAN install on plain http must not be locked out.
      strictTransportSecurity: false,
      referrerPolicy: { policy: 'same-origin' },
    });

    // Every form POST needs the CSRF token (a cross-site post cannot read it): 403 otherwise.
    app.addHook('preHandler', (request, reply, done) => {
      if (request.method === 'POST') app.csrfProtection(request, reply, done);
      else done();
    });
    app.addHook('onSend', async (request, reply, payload) => {
      if (!request.url.startsWith('/assets/')) reply.header('cache-control', 'no-store');
      return payload;
    });

    for (const item of Object.values(ASSETS)) {
      const path = item.url.split('?')[0] ?? item.url;
      app.get(path, { logLevel: 'warn' }, async (request, reply) => {
        reply.header('etag', item.etag).header('cache-control', 'public, max-age=31536000, immutable');
        if (request.headers['if-none-match'] === item.etag) return reply.status(304).send();
        return reply.type(item.contentType).send(item.body);
      });
    }

    const sessions = createBrowserSessions({
      store: deps.store,
      sessions: options.sessions ?? createStoredSessionStore({ sessions: deps.store.sessions }),
      adminApiKey: deps.config.server.admin_api_key,
      ttlMs: options.sessionTtlMs,
    });
    const kit = createPageKit(deps, sessions);
    app.get('/', async (_request, reply) => reply.redirect('/chat', 302));
    await app.register(chatPageRoutes(kit));
    await app.register(signinRoutes(kit));
    await app.register(accessTokenPageRoutes(kit));
    await app.register(recallPageRoutes(kit));
    await app.register(adminUserPageRoutes(kit));
    await app.register(adminAccountPageRoutes(kit));
    await app.register(adminConversationPageRoutes(kit));
    await app.register(adminUsagePageRoutes(kit));
  };
}
