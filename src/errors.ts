/**
 * Typed errors: thrown anywhere, rendered in one place per format (see src/http/errors/).
 * `code` is a stable machine-readable identifier that clients may rely on.
 */
export interface AppErrorOptions {
  /** Extra fields safe to show to the caller (never secrets). */
  details?: Record<string, unknown>;
  /** Seconds after which the caller may retry (sets `Retry-After`). */
  retryAfterSeconds?: number;
  /** Name of the offending request field, when there is one. */
  field?: string;
  cause?: unknown;
}

export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly field: string | undefined;

  constructor(status: number, code: string, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.status = status;
    this.code = code;
    this.details = options.details;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.field = options.field;
  }
}

export const badRequest = (message: string, field?: string, details?: Record<string, unknown>): AppError =>
  new AppError(400, 'invalid_request', message, { field, details });

export const unauthorized = (message = 'Invalid user specified'): AppError =>
  new AppError(401, 'unauthorized', message);

export const forbidden = (message: string, code = 'forbidden'): AppError => new AppError(403, code, message);

export const notFound = (message: string, code = 'not_found'): AppError => new AppError(404, code, message);

export const conflict = (message: string, code = 'conflict'): AppError => new AppError(409, code, message);

export const unprocessable = (message: string, code = 'unprocessable'): AppError =>
  new AppError(422, code, message);

export const tooManyRequests = (
  message: string,
  retryAfterSeconds: number,
  code = 'rate_limited',
): AppError => new AppError(429, code, message, { retryAfterSeconds });

export const serviceUnavailable = (
  message: string,
  retryAfterSeconds?: number,
  code = 'no_account_available',
): AppError => new AppError(503, code, message, { retryAfterSeconds });

export const isAppError = (value: unknown): value is AppError => value instanceof AppError;
