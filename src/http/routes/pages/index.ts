import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../deps.js';

// Placeholder: filled in by the issue that owns this area.
export function pageRoutes(_deps: AppDeps) {
  return async function routes(_app: FastifyInstance): Promise<void> {};
}
