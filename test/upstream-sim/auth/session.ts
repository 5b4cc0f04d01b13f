/** GET /api/auth/session and POST /oauth/token (refresh grant), §2. */
import { parseForm, parseJsonObject, readBody, readCookie, sendJson } from '../http-util.js';
import type { RouteContext } from '../route-context.js';
import { writeChatgptFault } from '../chatgpt/errors.js';
import {
  ACCESS_TOKEN_LIFETIME_SECONDS,
  SESSION_COOKIE,
  issueAccessToken,
  issueSessionToken,
  sessionCookie,
} from './tokens.js';

export function handleSession(ctx: RouteContext): void {
  const { state, res } = ctx;
  const sessionToken = readCookie(ctx.req, SESSION_COOKIE);
  const account = sessionToken ? state.sessionTokens.get(sessionToken) : undefined;
  if (!sessionToken || !account) {
    // next-auth answers an unknown or missing session with an empty object.
    sendJson(res, 200, {});
    return;
  }
  const fault = state.faults.takePreResponse([sessionToken]);
  if (fault) {
    writeChatgptFault(res, fault);
    return;
  }
  const accessToken = issueAccessToken(state, account);
  const rotated = issueSessionToken(state, account);
  sendJson(
    res,
    200,
    {
      user: {
        id: account.userId,
        name: account.email ?? account.userId,
        email: account.email ?? `${account.userId}@example.test`,
        image: null,
        picture: null,
        idp: 'auth0',
        iat: Math.floor(Date.now() / 1000),
        mfa: false,
        groups: [],
      },
      expires: new Date(Date.now() + 30 * 24 * 3600 * 1000).toISOString(),
      accessToken,
      authProvider: 'auth0',
    },
    { 'set-cookie': sessionCookie(rotated) },
  );
}

export async function handleOauthToken(ctx: RouteContext): Promise<void> {
  const { state, res } = ctx;
  const text = await readBody(ctx.req);
  const body: Record<string, unknown> = parseJsonObject(text) ?? parseForm(text);
  if (body.grant_type !== 'refresh_token') {
    sendJson(res, 400, {
      error: 'unsupported_grant_type',
      error_description: 'Only refresh_token is supported.',
    });
    return;
  }
  const refreshToken = typeof body.refresh_token === 'string' ? body.refresh_token : '';
  const account = state.refreshTokens.get(refreshToken);
  if (!account) {
    sendJson(res, 400, { error: 'invalid_grant', error_description: 'Unknown or invalid refresh token.' });
    return;
  }
  const fault = state.faults.takePreResponse([refreshToken]);
  if (fault) {
    writeChatgptFault(res, fault);
    return;
  }
  const accessToken = issueAccessToken(state, account);
  sendJson(res, 200, {
    access_token: accessToken,
    refresh_token: refreshToken,
    id_token: accessToken,
    expires_in: ACCESS_TOKEN_LIFETIME_SECONDS,
    scope: 'openid email profile offline_access model.request model.read',
    token_type: 'Bearer',
  });
}
