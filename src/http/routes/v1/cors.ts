/**
 * CORS for browser clients of /v1/* and /api/*: off unless `api_server.cors_origins` lists
 * origins. An allowed origin is echoed (never `*`), with `Vary: Origin`; any other origin gets
 * no CORS header, so the browser blocks it. No credentials mode: the APIs take Bearer keys.
 */
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';

const CORS_PATH = /^\/(v1|api)(\/|\?|$)/;
const METHODS = 'GET, POST, PUT, PATCH, DELETE, OPTIONS';
const DEFAULT_HEADERS = 'Authorization, Content-Type, X-Conversation-Id, X-Request-Id, X-User-Id';
const EXPOSED = 'X-Conversation-Id, X-Request-Id, Retry-After';
/** A list of header names as browsers send it in Access-Control-Request-Headers. */
const HEADER_LIST = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+(\s*,\s*[A-Za-z0-9!#$%&'*+.^_`|~-]+)*$/;

/** A plugin that is not encapsulated (fastify-plugin semantics), so its hook covers every route. */
export function corsPlugin(origins: readonly string[]): FastifyPluginAsync {
  const allowed = new Set(origins);
  const allowedOrigin = (request: FastifyRequest): string | undefined => {
    const origin = request.headers.origin;
    return typeof origin === 'string' && allowed.has(origin) ? origin : undefined;
  };
  const plugin = async (app: FastifyInstance): Promise<void> => {
    if (allowed.size === 0) return;
    app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      if (!CORS_PATH.test(request.url)) return;
      reply.header('vary', 'Origin');
      const origin = allowedOrigin(request);
      if (!origin) return;
      reply.header('access-control-allow-origin', origin);
      reply.header('access-control-expose-headers', EXPOSED);
    });
    const preflight = async (request: FastifyRequest, reply: FastifyReply) => {
      if (allowedOrigin(request)) {
        const asked = request.headers['access-control-request-headers'];
        reply.header('access-control-allow-methods', METHODS);
        reply.header(
          'access-control-allow-headers',
          typeof asked === 'string' && HEADER_LIST.test(asked.trim()) ? asked.trim() : DEFAULT_HEADERS,
        );
        reply.header('access-control-max-age', '600');
      }
      return reply.status(204).send();
    };
    app.options('/v1/*', preflight);
    app.options('/api/*', preflight);
  };
  return Object.assign(plugin, { [Symbol.for('skip-override')]: true });
}
