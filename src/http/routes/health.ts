import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../deps.js';

export function healthRoutes({ store }: AppDeps) {
  return async function routes(app: FastifyInstance): Promise<void> {
    app.get('/healthz', { logLevel: 'warn' }, async () => ({ status: 'ok' }));
    app.get('/readyz', { logLevel: 'warn' }, async (_request, reply) => {
      const checks: Record<string, string> = {};
      try {
        await store.ping();
        checks.database = 'ok';
      } catch {
        checks.database = 'unreachable';
      }
      const ready = Object.values(checks).every((v) => v === 'ok');
      return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks });
    });
  };
}
