/**
 * Gets ChatGPT access tokens from a session token, a refresh token, or email + password
 * (UPSTREAM-PROTOCOL §2). Every call goes through the shared dispatcher of the account's proxy.
 */
import type { DispatcherRegistry } from '../http/dispatchers.js';
import { CookieJar, SESSION_COOKIE } from './cookie-jar.js';
import { TokenError } from './errors.js';
import { jwtExpiry } from './jwt.js';
import { loginWithPassword } from './login-flow.js';
import {
  exchange,
  isChallenge,
  jsonBody,
  safeText,
  type AuthHttpContext,
  type AuthResponse,
} from './auth-http.js';

/** The ChatGPT iOS app's OAuth client, which refresh tokens are issued to. */
export const OAUTH_CLIENT_ID = 'pdlLIX2Y72MIl2rhLhTE9VV9bN905kBh';
export const OAUTH_REDIRECT_URI = 'com.openai.chat://auth.openai.com/ios/com.openai.chat/callback';

export interface TokenServiceOptions {
  dispatchers: DispatcherRegistry;
  urls: { authBaseUrl: string; oauthTokenUrl: string };
  userAgent: string;
  /** Per HTTP exchange (a login makes several). */
  timeoutMs: number;
}

export interface AccessTokenResult {
  accessToken: string;
  expiresAt?: Date;
}

interface CallOptions {
  proxy?: string;
  signal?: AbortSignal;
}

export interface TokenService {
  /** `sessionToken` in the result is the rotated one from Set-Cookie, when it changed. */
  fromSessionToken(
    input: { sessionToken: string } & CallOptions,
  ): Promise<AccessTokenResult & { sessionToken?: string }>;
  /** `refreshToken` in the result is the new one, when the server rotated it. */
  fromRefreshToken(
    input: { refreshToken: string } & CallOptions,
  ): Promise<AccessTokenResult & { refreshToken?: string }>;
  fromCredentials(
    input: { email: string; password: string } & CallOptions,
  ): Promise<AccessTokenResult & { sessionToken?: string }>;
}

function expiryOf(accessToken: string, expiresInSeconds?: unknown): Date | undefined {
  const fromJwt = jwtExpiry(accessToken);
  if (fromJwt) return fromJwt;
  return typeof expiresInSeconds === 'number' ? new Date(Date.now() + expiresInSeconds * 1000) : undefined;
}

function failure(context: AuthHttpContext, response: AuthResponse, what: string): TokenError {
  const status = response.status;
  if (isChallenge(response))
    return new TokenError('challenge', `${what}: blocked by a challenge`, { status });
  const code = status === 400 || status === 401 || status === 403 ? 'expired' : 'bad_response';
  return new TokenError(code, `${what}: HTTP ${status}: ${safeText(context, response.text)}`, { status });
}

export function createTokenService(options: TokenServiceOptions): TokenService {
  const authBase = options.urls.authBaseUrl.replace(/\/+$/, '');
  const context = (call: CallOptions, secrets: (string | undefined)[]): AuthHttpContext => ({
    dispatchers: options.dispatchers,
    userAgent: options.userAgent,
    timeoutMs: options.timeoutMs,
    proxy: call.proxy,
    signal: call.signal,
    secrets,
  });

  async function sessionCall(ctx: AuthHttpContext, sessionToken: string, what: string) {
    const jar = new CookieJar({ [SESSION_COOKIE]: sessionToken });
    const response = await exchange(ctx, { url: `${authBase}/api/auth/session`, jar, step: what });
    if (response.status !== 200) throw failure(ctx, response, what);
    const accessToken = jsonBody(ctx, response, what).accessToken;
    if (typeof accessToken !== 'string' || accessToken === '') {
      // next-auth answers `{}` for a session it no longer knows.
      throw new TokenError('expired', `${what}: the session token is expired or invalid`, { status: 200 });
    }
    const rotated = jar.sessionToken();
    return {
      accessToken,
      expiresAt: expiryOf(accessToken),
      ...(rotated && rotated !== sessionToken ? { sessionToken: rotated } : {}),
    };
  }

  return {
    async fromSessionToken({ sessionToken, ...call }) {
      return sessionCall(context(call, [sessionToken]), sessionToken, 'session token exchange');
    },

    async fromRefreshToken({ refreshToken, ...call }) {
      const what = 'refresh token exchange';
      const ctx = context(call, [refreshToken]);
      const response = await exchange(ctx, {
        url: options.urls.oauthTokenUrl,
        step: what,
        body: JSON.stringify({
          grant_type: 'refresh_token',
          client_id: OAUTH_CLIENT_ID,
          redirect_uri: OAUTH_REDIRECT_URI,
          refresh_token: refreshToken,
        }),
      });
      if (response.status !== 200) throw failure(ctx, response, what);
      const body = jsonBody(ctx, response, what);
      if (typeof body.access_token !== 'string' || body.access_token === '') {
        throw new TokenError('bad_response', `${what}: no access_token in the answer`, { status: 200 });
      }
      const rotated = typeof body.refresh_token === 'string' ? body.refresh_token : undefined;
      return {
        accessToken: body.access_token,
        expiresAt: expiryOf(body.access_token, body.expires_in),
        ...(rotated && rotated !== refreshToken ? { refreshToken: rotated } : {}),
      };
    },

    async fromCredentials({ email, password, ...call }) {
      const ctx = context(call, [password]);
      const sessionToken = await loginWithPassword(ctx, { authBaseUrl: authBase, email, password });
      const session = await sessionCall(
        context(call, [password, sessionToken]),
        sessionToken,
        'session token exchange after login',
      );
      return { ...session, sessionToken: session.sessionToken ?? sessionToken };
    },
  };
}
