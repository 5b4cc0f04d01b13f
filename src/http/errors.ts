/**
 * The one place where errors become HTTP responses. Each route declares its format through
 * its URL (or `config.errorFormat`): `/v1/*` → OpenAI's error shape, browser pages → HTML,
 * everything else → the project's JSON shape. Handlers only throw.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, isAppError } from '../errors.js';
import { redact } from '../redact.js';
import { renderErrorPage } from './views/error-page.js';

export type ErrorFormat = 'json' | 'openai' | 'html';

declare module 'fastify' {
  interface FastifyContextConfig {
    errorFormat?: ErrorFormat;
  }
}

const OPENAI_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'invalid_request_error',
  403: 'permission_error',
  404: 'invalid_request_error',
  409: 'invalid_request_error',
  413: 'invalid_request_error',
  415: 'invalid_request_error',
  422: 'invalid_request_error',
  429: 'rate_limit_error',
};

/** Fastify's own errors (body too large, bad JSON, wrong content type…) with their client status. */
function fromFastifyError(error: FastifyError): AppError | undefined {
  const status = error.statusCode;
  if (!status || status >= 500) return undefined;
  const codes: Record<string, [string, string]> = {
    FST_ERR_CTP_BODY_TOO_LARGE: ['payload_too_large', 'Request body is too large'],
    FST_ERR_CTP_INVALID_MEDIA_TYPE: ['unsupported_media_type', 'Unsupported Content-Type for this route'],
    FST_ERR_CTP_INVALID_JSON_BODY: ['invalid_json', 'Malformed JSON body'],
    FST_ERR_CTP_EMPTY_JSON_BODY: ['invalid_json', 'Empty JSON body'],
    FST_ERR_CTP_INVALID_CONTENT_LENGTH: ['invalid_request', 'Invalid Content-Length'],
  };
  const known = error.code ? codes[error.code] : undefined;
  if (known) return new AppError(status, known[0], known[1]);
  if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_CONTENT_TYPE')
    return new AppError(400, 'invalid_json', 'Malformed request body');
  if (status === 429) {
    const after = Number((error as { retryAfter?: unknown }).retryAfter ?? 60);
    return new AppError(429, 'rate_limited', 'Too many requests', {
      retryAfterSeconds: Number.isFinite(after) ? after : 60,
    });
  }
  return new AppError(status, 'invalid_request', redact(error.message));
}

export function errorFormatFor(request: FastifyRequest): ErrorFormat {
  const declared = request.routeOptions.config?.errorFormat;
  if (declared) return declared;
  const url = request.url;
  if (url.startsWith('/v1/') || url === '/v1') return 'openai';
  if (
    url.startsWith('/api/') ||
    url.startsWith('/admin/add-user') ||
    url.startsWith('/metrics') ||
    url.startsWith('/healthz') ||
    url.startsWith('/readyz')
  )
    return 'json';
  return 'html';
}

export function toAppError(error: unknown): AppError | undefined {
  if (isAppError(error)) return error;
  if (error && typeof error === 'object' && 'statusCode' in error)
    return fromFastifyError(error as FastifyError);
  return undefined;
}

export function sendError(request: FastifyRequest, reply: FastifyReply, error: unknown): FastifyReply {
  let appError = toAppError(error);
  if (!appError) {
    request.log.error({ err: error }, 'unhandled error');
    appError = new AppError(500, 'internal_error', `Internal server error (request id ${request.id})`);
  }
  if (appError.retryAfterSeconds !== undefined)
    reply.header('retry-after', String(Math.max(1, Math.ceil(appError.retryAfterSeconds))));
  reply.status(appError.status);
  // Lets hooks tell our own key failures from refused upstream credentials (see rate-limit.ts).
  reply.header('x-error-code', appError.code);
  switch (errorFormatFor(request)) {
    case 'openai':
      return reply.send({
        error: {
          message: appError.message,
          type:
            appError.status >= 500
              ? 'server_error'
              : (OPENAI_TYPES[appError.status] ?? 'invalid_request_error'),
          param: appError.field ?? null,
          code: appError.code,
        },
      });
    case 'html':
      return reply.type('text/html; charset=utf-8').send(
        renderErrorPage({
          status: appError.status,
          message: appError.message,
          requestId: String(request.id),
        }),
      );
    default:
      return reply.send({
        status: 'error',
        code: appError.code,
        message: appError.message,
        ...(appError.field !== undefined && { field: appError.field }),
        ...(appError.details !== undefined && { details: appError.details }),
        request_id: request.id,
      });
  }
}
