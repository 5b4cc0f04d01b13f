/** Routes everything outside /backend-api and /v1: next-auth, auth0-like login, OAuth token. */
import { sendHtml, sendJson } from '../http-util.js';
import type { RouteContext } from '../route-context.js';
import {
  CALLBACK_PATH,
  handleAuthorize,
  handleCallback,
  handleCsrf,
  handleIdentifier,
  handleIdentifierPage,
  handlePassword,
  handlePasswordPage,
  handleResume,
  handleSignin,
} from './login.js';
import { handleOauthToken, handleSession } from './session.js';

type Handler = (ctx: RouteContext) => Promise<void> | void;

const ROUTES = new Map<string, Handler>([
  ['GET /api/auth/session', handleSession],
  ['GET /api/auth/csrf', handleCsrf],
  ['POST /api/auth/signin/auth0', handleSignin],
  ['GET /authorize', handleAuthorize],
  ['GET /u/login/identifier', handleIdentifierPage],
  ['POST /u/login/identifier', handleIdentifier],
  ['GET /u/login/password', handlePasswordPage],
  ['POST /u/login/password', handlePassword],
  ['GET /authorize/resume', handleResume],
  [`GET ${CALLBACK_PATH}`, handleCallback],
  ['POST /oauth/token', handleOauthToken],
  [
    'GET /',
    (ctx) =>
      sendHtml(ctx.res, 200, '<!DOCTYPE html><html><head><title>ChatGPT</title></head><body></body></html>'),
  ],
]);

export function routeAuth(ctx: RouteContext): Promise<void> | void {
  const handler = ROUTES.get(`${ctx.req.method ?? 'GET'} ${ctx.path}`);
  if (handler) return handler(ctx);
  sendJson(ctx.res, 404, { detail: 'Not Found' });
}
