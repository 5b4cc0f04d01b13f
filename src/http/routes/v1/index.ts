/**
 * The OpenAI-compatible API under /v1, for the official SDKs and every tool built on them.
 * Errors keep the one renderer (OpenAI's shape for /v1) with OpenAI's codes where SDKs look.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { AppError } from '../../../errors.js';
import type { AppDeps } from '../../deps.js';
import { sendError, toAppError } from '../../errors.js';
import { chatCompletionRoutes } from './chat-completions.js';
import { corsPlugin } from './cors.js';
import { modelRoutes } from './models.js';
import { openAiCode } from './openai-shapes.js';
import { responsesRoutes } from './responses.js';

function withOpenAiCode(error: unknown): unknown {
  const appError = toAppError(error);
  if (!appError) return error;
  const code = openAiCode(appError.code);
  if (code === appError.code) return appError;
  return new AppError(appError.status, code, appError.message, {
    details: appError.details,
    retryAfterSeconds: appError.retryAfterSeconds,
    field: appError.field,
    cause: appError,
  });
}

export function openAiRoutes(deps: AppDeps) {
  const plugin = async function routes(app: FastifyInstance): Promise<void> {
    // CORS covers /api/* too, so its hook must sit on the root: this plugin is not encapsulated.
    await app.register(corsPlugin(deps.config.server.cors_origins));
    await app.register(async function v1(scope: FastifyInstance) {
      scope.setErrorHandler((error: FastifyError, request, reply) =>
        sendError(request, reply, withOpenAiCode(error)),
      );
      await scope.register(modelRoutes(deps));
      await scope.register(chatCompletionRoutes(deps));
      await scope.register(responsesRoutes(deps));
    });
  };
  return Object.assign(plugin, { [Symbol.for('skip-override')]: true });
}
