/**
 * /access-token: the original's form (key, email, password) plus session-token and
 * refresh-token forms. Credentials go through the default proxy, are used once and are never
 * stored or logged.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../../errors.js';
import { redact } from '../../../redact.js';
import { isTokenError, WRONG_CREDENTIALS_MESSAGE, type TokenError } from '../../../upstream/tokens/index.js';
import { clientGoneSignal } from '../../abort.js';
import { parseInput, requestParams, text } from '../../input.js';
import { accessTokenPage, type TokenShown } from '../../views/access-token.js';
import type { PageKit } from './kit.js';

const secret = text.pipe(z.string().trim().min(1, 'required').max(8192));
const tokenForm = z.discriminatedUnion('method', [
  z.object({
    method: z.literal('password'),
    email: secret,
    password: text.pipe(z.string().min(1, 'required').max(1024)),
  }),
  z.object({ method: z.literal('session'), session_token: secret }),
  z.object({ method: z.literal('refresh'), refresh_token: secret }),
]);

function toAppError(error: TokenError): AppError {
  switch (error.code) {
    case 'wrong_credentials':
      return new AppError(401, 'wrong_credentials', WRONG_CREDENTIALS_MESSAGE);
    case 'expired':
      return new AppError(401, 'token_refused', 'That token is expired or invalid');
    case 'challenge':
      return new AppError(
        502,
        'upstream_challenge',
        'The login was blocked by a challenge page; try again later',
      );
    default:
      return new AppError(502, 'upstream_error', `Could not get an access token: ${redact(error.message)}`);
  }
}

export function accessTokenPageRoutes(kit: PageKit) {
  const { runtime, config } = kit.deps;
  const proxy = config.server.default_proxy || undefined;

  return async function routes(app: FastifyInstance): Promise<void> {
    app.get('/access-token', async (request, reply) => {
      const principal = await kit.sessionPrincipal(request);
      return kit.sendPage(reply, accessTokenPage({ frame: kit.frame(request, reply, principal) }));
    });

    app.post('/access-token', async (request, reply) => {
      const principal = await kit.userFromFormOrSession(request);
      if (!principal) throw new AppError(401, 'no_user', 'No user specified: enter your key or sign in');
      const params = requestParams(request);
      const input = parseInput(tokenForm, { ...params, method: params.method ?? 'password' });
      const signal = clientGoneSignal(request, reply);
      let shown: TokenShown;
      try {
        if (input.method === 'password') {
          const r = await runtime.tokens.fromCredentials({
            email: input.email,
            password: input.password,
            proxy,
            signal,
          });
          shown = { accessToken: r.accessToken, expiresAt: r.expiresAt };
        } else if (input.method === 'session') {
          const r = await runtime.tokens.fromSessionToken({
            sessionToken: input.session_token,
            proxy,
            signal,
          });
          shown = {
            accessToken: r.accessToken,
            expiresAt: r.expiresAt,
            rotated: r.sessionToken ? { label: 'session token', value: r.sessionToken } : undefined,
          };
        } else {
          const r = await runtime.tokens.fromRefreshToken({
            refreshToken: input.refresh_token,
            proxy,
            signal,
          });
          shown = {
            accessToken: r.accessToken,
            expiresAt: r.expiresAt,
            rotated: r.refreshToken ? { label: 'refresh token', value: r.refreshToken } : undefined,
          };
        }
      } catch (error) {
        // Token failures become HTTP errors with a safe message; nothing else is swallowed.
        if (isTokenError(error)) throw toAppError(error);
        throw error;
      }
      request.log.info({ user_id: principal.userId, method: input.method }, 'access token obtained');
      const session = await kit.sessionPrincipal(request);
      return kit.sendPage(reply, accessTokenPage({ frame: kit.frame(request, reply, session), shown }));
    });
  };
}
