import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../deps.js';
import { healthRoutes } from './health.js';
import { metricsRoutes } from './metrics.js';

/** Operations: /healthz, /readyz, /metrics. */
export function opsRoutes(deps: AppDeps) {
  return async function routes(app: FastifyInstance): Promise<void> {
    await app.register(healthRoutes(deps));
    await app.register(metricsRoutes(deps));
  };
}
