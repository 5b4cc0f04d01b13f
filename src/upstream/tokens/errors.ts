/** Failures of getting an access token. Messages never contain passwords, tokens or cookies. */
export type TokenErrorCode = 'wrong_credentials' | 'challenge' | 'network' | 'bad_response' | 'expired';

export class TokenError extends Error {
  readonly code: TokenErrorCode;
  /** HTTP status of the refused step, when there was one. */
  readonly status: number | undefined;

  constructor(code: TokenErrorCode, message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TokenError';
    this.code = code;
    this.status = options.status;
  }
}

/** The original project's message for a refused password, kept word for word. */
export const WRONG_CREDENTIALS_MESSAGE = 'Wrong email or password provided';

export const isTokenError = (value: unknown): value is TokenError => value instanceof TokenError;
