/**
 * GET/POST /api/access-token: a ChatGPT access token for the caller's own account, from email +
 * password (the original's flow), a session token or a refresh token, through the default proxy.
 * Throttled per user (every attempt) and per email (refused passwords). Passwords and tokens are
 * never logged or stored; the answer keeps the original's `Access Token` key.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AppError, tooManyRequests } from '../../../errors.js';
import { redact } from '../../../redact.js';
import { isTokenError, WRONG_CREDENTIALS_MESSAGE, type TokenError } from '../../../upstream/tokens/index.js';
import type { AppDeps } from '../../deps.js';
import { clientGoneSignal } from '../../abort.js';
import { authenticateUser } from '../../auth.js';
import { parseInput, requestParams, text } from '../../input.js';
import { createMemoryThrottle, type AttemptThrottle } from './throttle.js';

const secret = (max: number) => text.pipe(z.string().min(1).max(max));

const tokenParams = z
  .object({
    email: text.pipe(z.string().trim().min(1).max(320)).optional(),
    password: secret(1024).optional(),
    session_token: secret(8192).optional(),
    refresh_token: secret(8192).optional(),
  })
  .superRefine((p, ctx) => {
    if (p.email !== undefined && p.password === undefined)
      ctx.addIssue({ code: 'custom', path: ['password'], message: 'required with email' });
    if (p.password !== undefined && p.email === undefined)
      ctx.addIssue({ code: 'custom', path: ['email'], message: 'required with password' });
    const ways = [p.email ?? p.password, p.session_token, p.refresh_token].filter((w) => w !== undefined);
    if (ways.length === 0)
      ctx.addIssue({
        code: 'custom',
        path: ['email'],
        message: 'give email and password, or session_token, or refresh_token',
      });
    if (ways.length > 1)
      ctx.addIssue({
        code: 'custom',
        path: ['session_token'],
        message: 'give only one of email + password, session_token, refresh_token',
      });
  });

export interface AccessTokenThrottles {
  /** Every attempt of a user. Default: 20 per hour. */
  perUser: AttemptThrottle;
  /** Refused passwords per email address. Default: 5 per 15 minutes. */
  perEmail: AttemptThrottle;
}

export const defaultAccessTokenThrottles = (): AccessTokenThrottles => ({
  perUser: createMemoryThrottle({ limit: 20, windowMs: 60 * 60_000 }),
  perEmail: createMemoryThrottle({ limit: 5, windowMs: 15 * 60_000 }),
});

function tokenFailure(error: TokenError): AppError {
  switch (error.code) {
    case 'wrong_credentials':
      return new AppError(401, 'wrong_credentials', WRONG_CREDENTIALS_MESSAGE);
    case 'expired':
      return new AppError(401, 'token_expired', 'The session token or refresh token is expired or invalid');
    case 'challenge':
      return new AppError(
        502,
        'upstream_challenge',
        'The upstream asked for a challenge; try again later or use a session token',
      );
    case 'network':
      // The message names the step and host only (token service messages carry no secrets).
      return new AppError(502, 'upstream_unreachable', redact(error.message));
    default:
      return new AppError(502, 'upstream_error', 'The upstream gave an unexpected answer');
  }
}

const emailKey = (email: string): string =>
  `email:${createHash('sha256').update(email.trim().toLowerCase()).digest('hex')}`;

export function accessTokenRoutes(
  { users, runtime, config }: AppDeps,
  throttles: AccessTokenThrottles = defaultAccessTokenThrottles(),
) {
  const proxy = config.server.default_proxy || undefined;
  return async function routes(app: FastifyInstance): Promise<void> {
    app.route({
      method: ['GET', 'POST'],
      url: '/api/access-token',
      handler: async (request, reply) => {
        const principal = await authenticateUser(request, users);
        const params = parseInput(tokenParams, requestParams(request));
        const userKey = `user:${principal.userId}`;
        const byEmail = params.email === undefined ? undefined : emailKey(params.email);
        const wait = Math.max(
          await throttles.perUser.retryAfter(userKey),
          byEmail ? await throttles.perEmail.retryAfter(byEmail) : 0,
        );
        if (wait > 0)
          throw tooManyRequests(
            'Too many access token attempts; try again later',
            wait,
            'access_token_throttled',
          );
        await throttles.perUser.record(userKey);

        const call = { proxy, signal: clientGoneSignal(request, reply) };
        const method = params.session_token
          ? 'session_token'
          : params.refresh_token
            ? 'refresh_token'
            : 'password';
        try {
          const result = params.session_token
            ? await runtime.tokens.fromSessionToken({ sessionToken: params.session_token, ...call })
            : params.refresh_token
              ? await runtime.tokens.fromRefreshToken({ refreshToken: params.refresh_token, ...call })
              : await runtime.tokens.fromCredentials({
                  email: params.email ?? '',
                  password: params.password ?? '',
                  ...call,
                });
          request.log.info({ user_id: principal.userId, method }, 'access token obtained');
          return {
            status: 'success',
            access_token: result.accessToken,
            expires_at: result.expiresAt?.toISOString() ?? null,
            'Access Token': result.accessToken,
          };
        } catch (error) {
          if (!isTokenError(error)) throw error;
          if (byEmail && error.code === 'wrong_credentials') await throttles.perEmail.record(byEmail);
          request.log.info({ user_id: principal.userId, method, code: error.code }, 'access token refused');
          throw tokenFailure(error);
        }
      },
    });
  };
}
