/** The one mapping from a classified upstream failure to what the client sees. */
import { AppError } from '../errors.js';
import type { UpstreamError } from '../upstream/types.js';

export function upstreamToAppError(error: UpstreamError, ownToken: boolean): AppError {
  const where = error.account ? ` (account ${error.account})` : '';
  const options = {
    retryAfterSeconds: error.retryAfterSeconds,
    details: { upstream: error.kind, ...(error.account && { account: error.account }) },
  };
  switch (error.kind) {
    case 'rate_limited':
      return new AppError(
        429,
        'upstream_rate_limited',
        `The upstream is rate limiting${where}: ${error.message}`,
        { ...options, retryAfterSeconds: error.retryAfterSeconds ?? 60 },
      );
    case 'auth_expired':
    case 'auth_invalid':
      return ownToken
        ? new AppError(
            401,
            'access_token_invalid',
            'Your access token was refused by the upstream (expired or invalid)',
            options,
          )
        : new AppError(
            502,
            'upstream_auth_failed',
            `The upstream refused the account's credentials${where}`,
            options,
          );
    case 'upstream_challenge':
      return new AppError(502, 'upstream_challenge', `The upstream asked for a challenge${where}`, options);
    case 'account_busy':
      return new AppError(
        409,
        'account_busy',
        `The account is busy with another message${where}; try again`,
        { ...options, retryAfterSeconds: 5 },
      );
    case 'timeout':
      return new AppError(504, 'upstream_timeout', `The upstream did not answer in time${where}`, options);
    case 'invalid_request':
      return new AppError(
        error.upstreamCode === 'model_not_found' ? 404 : 400,
        error.upstreamCode ?? 'upstream_invalid_request',
        error.message,
        options,
      );
    case 'cancelled':
      return new AppError(499, 'cancelled', 'The request was cancelled', options);
    case 'network':
      return new AppError(502, 'upstream_unreachable', error.message, options);
    default:
      return new AppError(502, 'upstream_error', error.message || `The upstream failed${where}`, options);
  }
}
