/**
 * GET /metrics: Prometheus text format. Allowed for clients in `api_server.metrics_allow`, or
 * with the admin key (Bearer or `?admin=`); everyone else gets 401/403 like the admin API.
 */
import type { FastifyInstance } from 'fastify';
import { createAllowList } from '../../../metrics/index.js';
import type { AppDeps } from '../../deps.js';
import { credentialFrom } from '../../input.js';

export function metricsRoutes({ config, users, runtime }: AppDeps) {
  const allowed = createAllowList(config.server.metrics_allow);
  return async function routes(app: FastifyInstance): Promise<void> {
    app.get('/metrics', { logLevel: 'warn', config: { errorFormat: 'json' } }, async (request, reply) => {
      if (!allowed(request.ip)) await users.requireAdmin(credentialFrom(request, 'admin'));
      const text = await runtime.metrics.render();
      return reply.type(runtime.metrics.contentType).header('cache-control', 'no-store').send(text);
    });
  };
}
