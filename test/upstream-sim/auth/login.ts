/**
 * The email/password login of §2: next-auth csrf + signin, an auth0-like authorize, identifier
 * and password pages, resume, and the callback that sets the session cookie.
 */
import { randomBytes } from 'node:crypto';
import { parseForm, readBody, redirect, sendHtml, sendJson } from '../http-util.js';
import type { RouteContext } from '../route-context.js';
import { issueSessionToken, sessionCookie } from './tokens.js';

export const CALLBACK_PATH = '/api/auth/callback/auth0';
const CLIENT_ID = 'TdJIcbe16WoTHtN95nyywh5E4yOo6ItG';

const randomId = (): string => randomBytes(24).toString('base64url');

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function loginPage(title: string, state: string, fields: string, error?: string): string {
  const errorHtml = error ? `<div class="ulp-input-error" id="error-element-password">${error}</div>` : '';
  return `<!DOCTYPE html><html><head><title>${title}</title></head><body><main>
<h1>${title}</h1>${errorHtml}<form method="POST"><input type="hidden" name="state" value="${escapeHtml(state)}">
${fields}<button type="submit" name="action" value="default">Continue</button></form></main></body></html>`;
}

export function handleCsrf(ctx: RouteContext): void {
  const token = randomBytes(32).toString('hex');
  ctx.state.csrfTokens.add(token);
  const cookie = `__Host-next-auth.csrf-token=${token}%7C${randomBytes(32).toString('hex')}; Path=/; HttpOnly; Secure; SameSite=Lax`;
  sendJson(ctx.res, 200, { csrfToken: token }, { 'set-cookie': cookie });
}

export async function handleSignin(ctx: RouteContext): Promise<void> {
  const { state } = ctx;
  const form = parseForm(await readBody(ctx.req));
  if (!form.csrfToken || !state.csrfTokens.delete(form.csrfToken)) {
    // next-auth sends a request with a bad CSRF token back to its sign-in page.
    sendJson(ctx.res, 200, { url: `${state.url}/api/auth/signin?csrf=true` });
    return;
  }
  const loginState = randomId();
  state.logins.set(loginState, {});
  const params = new URLSearchParams({
    client_id: CLIENT_ID,
    scope: 'openid email profile offline_access model.request model.read organization.read',
    response_type: 'code',
    redirect_uri: `${state.url}${CALLBACK_PATH}`,
    audience: 'https://api.openai.com/v1',
    prompt: 'login',
    state: loginState,
  });
  sendJson(ctx.res, 200, { url: `${state.url}/authorize?${params.toString()}` });
}

function loginStateOf(ctx: RouteContext, form?: Record<string, string>): string | undefined {
  const value = form?.state ?? new URLSearchParams(ctx.rawQuery).get('state') ?? '';
  if (ctx.state.logins.has(value)) return value;
  sendHtml(ctx.res, 400, loginPage('Invalid state', '', '', 'The login session is invalid or expired.'));
  return undefined;
}

export function handleAuthorize(ctx: RouteContext): void {
  const state = loginStateOf(ctx);
  if (state) redirect(ctx.res, `/u/login/identifier?state=${encodeURIComponent(state)}`);
}

export function handleIdentifierPage(ctx: RouteContext): void {
  const state = loginStateOf(ctx);
  if (state) sendHtml(ctx.res, 200, loginPage('Welcome back', state, '<input name="username" type="email">'));
}

export async function handleIdentifier(ctx: RouteContext): Promise<void> {
  const form = parseForm(await readBody(ctx.req));
  const state = loginStateOf(ctx, form);
  if (!state) return;
  ctx.state.logins.set(state, { email: form.username ?? '' });
  redirect(ctx.res, `/u/login/password?state=${encodeURIComponent(state)}`);
}

export function handlePasswordPage(ctx: RouteContext): void {
  const state = loginStateOf(ctx);
  if (state)
    sendHtml(
      ctx.res,
      200,
      loginPage('Enter your password', state, '<input name="password" type="password">'),
    );
}

export async function handlePassword(ctx: RouteContext): Promise<void> {
  const form = parseForm(await readBody(ctx.req));
  const state = loginStateOf(ctx, form);
  if (!state) return;
  const email = (form.username ?? ctx.state.logins.get(state)?.email ?? '').toLowerCase();
  const account = ctx.state.accountsByEmail.get(email);
  if (!account || account.password === undefined || account.password !== form.password) {
    const fields = `<input name="username" type="email" value="${escapeHtml(email)}"><input name="password" type="password">`;
    sendHtml(ctx.res, 400, loginPage('Enter your password', state, fields, 'Wrong email or password'));
    return;
  }
  ctx.state.logins.set(state, { email, account });
  redirect(ctx.res, `/authorize/resume?state=${encodeURIComponent(state)}`);
}

export function handleResume(ctx: RouteContext): void {
  const state = loginStateOf(ctx);
  if (!state) return;
  const account = ctx.state.logins.get(state)?.account;
  if (!account) {
    redirect(ctx.res, `/u/login/identifier?state=${encodeURIComponent(state)}`);
    return;
  }
  ctx.state.logins.delete(state);
  const code = randomId();
  ctx.state.authCodes.set(code, { account, state });
  redirect(ctx.res, `${ctx.state.url}${CALLBACK_PATH}?code=${code}&state=${encodeURIComponent(state)}`);
}

export function handleCallback(ctx: RouteContext): void {
  const query = new URLSearchParams(ctx.rawQuery);
  const grant = ctx.state.authCodes.get(query.get('code') ?? '');
  if (!grant || grant.state !== query.get('state')) {
    redirect(ctx.res, `${ctx.state.url}/api/auth/error?error=OAuthCallback`);
    return;
  }
  ctx.state.authCodes.delete(query.get('code') ?? '');
  const sessionToken = issueSessionToken(ctx.state, grant.account);
  redirect(ctx.res, `${ctx.state.url}/`, { 'set-cookie': sessionCookie(sessionToken) });
}
