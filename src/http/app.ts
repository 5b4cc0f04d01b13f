import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import formbody from '@fastify/formbody';
import { forbidden, notFound } from '../errors.js';
import type { AppDeps } from './deps.js';
import { sendError } from './errors.js';
import { createHardening, registerHardening } from './hardening.js';
import { formParser, httpServerOptions } from './limits.js';
import { isLocalAddress } from './lan.js';
import { redactUrl } from '../logging/logger.js';
import { registerRequestMetrics } from './request-metrics.js';
import { adminUserRoutes } from './routes/admin/users.js';
import { apiChatRoutes } from './routes/chat/api-chat.js';
import { conversationRoutes } from './routes/chat/conversations.js';
import { accessTokenRoutes } from './routes/chat/access-token.js';
import { clientRoutes } from './routes/chat/clients.js';
import { adminConversationRoutes } from './routes/admin/conversations.js';
import { adminAccountRoutes } from './routes/admin/accounts.js';
import { adminUsageRoutes } from './routes/admin/usage.js';
import { openAiRoutes } from './routes/v1/index.js';
import { pageRoutes } from './routes/pages/index.js';
import { opsRoutes } from './routes/ops/index.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Routes validate with zod (one schema per route, src/http/input.ts) and reply with JSON.stringify,
 * so fastify's JSON-schema compilers (Ajv and fast-json-stringify, ~110 modules loaded at start)
 * are never needed: a route that declares a JSON schema fails at start-up instead.
 */
const noJsonSchemas = () => (route: { method?: string; url?: string }) => {
  throw new Error(
    `Route ${route.method ?? ''} ${route.url ?? ''} declares a JSON schema; this app validates with zod (src/http/input.ts)`,
  );
};

/** Builds the whole HTTP app from its dependencies; listening is the caller's business. */
export async function buildApp(given: AppDeps): Promise<FastifyInstance> {
  const hardening = createHardening(given);
  const { deps } = hardening;
  const { config } = deps;
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: config.limits.body_limit_bytes,
    requestTimeout: config.limits.request_timeout_ms,
    connectionTimeout: config.limits.request_timeout_ms,
    http: httpServerOptions(hardening.limits),
    trustProxy: config.server.trust_proxy,
    requestIdHeader: false,
    // One line per request (below) instead of fastify's two: logging is a large part of the
    // per-request CPU budget.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    // The original's routes accept both query strings and bodies; repeated names are kept as arrays.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    schemaController: { compilersFactory: { buildValidator: noJsonSchemas, buildSerializer: noJsonSchemas } },
  });

  await app.register(formbody, {
    bodyLimit: config.limits.body_limit_bytes,
    parser: formParser(hardening.limits),
  });

  // Hooks on every request take `done` rather than being async: no promise per hook per request.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    if (config.simulated) reply.header('x-upstream-simulator', 'true');
    if (config.server.local_or_wan === 'lan' && !isLocalAddress(request.ip)) {
      done(forbidden('This server only accepts clients on the local network', 'lan_only'));
      return;
    }
    done();
  });

  app.addHook('onResponse', (request, reply, done) => {
    request.log.info(
      {
        method: request.method,
        url: redactUrl(request.url),
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request',
    );
    done();
  });

  registerRequestMetrics(app, deps.runtime.metrics);
  registerHardening(app, hardening);

  app.setErrorHandler((error, request, reply) => sendError(request, reply, error));
  app.setNotFoundHandler((request, reply) =>
    sendError(
      request,
      reply,
      notFound(`Route ${request.method} ${request.url.split('?')[0] ?? ''} not found`, 'route_not_found'),
    ),
  );

  await app.register(adminUserRoutes(deps));
  await app.register(apiChatRoutes(deps));
  await app.register(conversationRoutes(deps));
  await app.register(accessTokenRoutes(deps));
  await app.register(clientRoutes(deps));
  await app.register(adminConversationRoutes(deps));
  await app.register(adminAccountRoutes(deps));
  await app.register(adminUsageRoutes(deps));
  await app.register(openAiRoutes(deps));
  await app.register(pageRoutes(deps, { sessions: deps.sessionStore }));
  await app.register(opsRoutes(deps));
  return app;
}
