/**
 * Email + password login through next-auth and Auth0 (UPSTREAM-PROTOCOL §2), as the original
 * did. The real service now gates it with bot checks, so this is best effort: every refused
 * step is reported by name, and every URL comes from configuration or from the server itself.
 */
import { TokenError, WRONG_CREDENTIALS_MESSAGE } from './errors.js';
import { CookieJar } from './cookie-jar.js';
import {
  exchange,
  isChallenge,
  jsonBody,
  safeText,
  type AuthHttpContext,
  type AuthResponse,
} from './auth-http.js';

const MAX_REDIRECTS = 10;

export interface LoginInput {
  authBaseUrl: string;
  email: string;
  password: string;
}

const isRedirect = (status: number): boolean => status >= 300 && status < 400;

function refused(context: AuthHttpContext, response: AuthResponse, step: string): TokenError {
  if (isChallenge(response)) {
    return new TokenError('challenge', `login blocked by a challenge at step ${step}`, {
      status: response.status,
    });
  }
  return new TokenError(
    'bad_response',
    `login refused at step ${step} (HTTP ${response.status}): ${safeText(context, response.text)}`,
    { status: response.status },
  );
}

function locationOf(response: AuthResponse): string | undefined {
  const location = response.headers.location;
  const value = Array.isArray(location) ? location[0] : location;
  return value ? new URL(value, response.url).toString() : undefined;
}

/** GETs a URL and follows redirects by hand (collecting cookies) until `done` or a non-redirect. */
async function follow(
  context: AuthHttpContext,
  input: { url: string; jar: CookieJar; step: string; done?: () => boolean },
): Promise<AuthResponse> {
  let url = input.url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const response = await exchange(context, { url, jar: input.jar, step: `login step ${input.step}` });
    const next = locationOf(response);
    if (!isRedirect(response.status) || !next || input.done?.()) return response;
    url = next;
  }
  throw new TokenError('bad_response', `login refused at step ${input.step}: too many redirects`);
}

async function postForm(
  context: AuthHttpContext,
  input: { url: string; jar: CookieJar; step: string; form: Record<string, string> },
): Promise<AuthResponse> {
  return exchange(context, {
    url: input.url,
    body: input.form,
    jar: input.jar,
    step: `login step ${input.step}`,
  });
}

function isWrongPassword(response: AuthResponse): boolean {
  return (
    (response.status === 400 || response.status === 401) &&
    /wrong (email|username) or password/i.test(response.text)
  );
}

/** Runs the login; returns the session token the callback set. */
export async function loginWithPassword(context: AuthHttpContext, input: LoginInput): Promise<string> {
  const jar = new CookieJar();
  const base = input.authBaseUrl.replace(/\/+$/, '');

  const csrf = await exchange(context, { url: `${base}/api/auth/csrf`, jar, step: 'login step csrf' });
  if (csrf.status !== 200) throw refused(context, csrf, 'csrf');
  const csrfToken = jsonBody(context, csrf, 'login step csrf').csrfToken;
  if (typeof csrfToken !== 'string') throw refused(context, csrf, 'csrf');

  const signin = await postForm(context, {
    url: `${base}/api/auth/signin/auth0?prompt=login`,
    jar,
    step: 'signin',
    form: { callbackUrl: '/', csrfToken, json: 'true' },
  });
  const authorizeUrl = signin.status === 200 ? jsonBody(context, signin, 'login step signin').url : undefined;
  if (typeof authorizeUrl !== 'string' || authorizeUrl.includes('/api/auth/error')) {
    throw refused(context, signin, 'signin');
  }

  const loginPage = await follow(context, {
    url: new URL(authorizeUrl, base).toString(),
    jar,
    step: 'authorize',
  });
  if (loginPage.status >= 400) throw refused(context, loginPage, 'authorize');
  const pageUrl = new URL(loginPage.url);
  const state = pageUrl.searchParams.get('state') ?? new URL(authorizeUrl, base).searchParams.get('state');
  if (!state) throw refused(context, loginPage, 'authorize');
  const authOrigin = pageUrl.origin;

  const identifier = await postForm(context, {
    url: `${authOrigin}/u/login/identifier?state=${encodeURIComponent(state)}`,
    jar,
    step: 'identifier',
    form: { state, username: input.email, action: 'default' },
  });
  if (isWrongPassword(identifier)) throw new TokenError('wrong_credentials', WRONG_CREDENTIALS_MESSAGE);
  if (!isRedirect(identifier.status) && identifier.status !== 200)
    throw refused(context, identifier, 'identifier');

  const password = await postForm(context, {
    url: `${authOrigin}/u/login/password?state=${encodeURIComponent(state)}`,
    jar,
    step: 'password',
    form: { state, username: input.email, password: input.password, action: 'default' },
  });
  if (isWrongPassword(password)) throw new TokenError('wrong_credentials', WRONG_CREDENTIALS_MESSAGE);
  const resumeUrl = locationOf(password);
  if (!isRedirect(password.status) || !resumeUrl) throw refused(context, password, 'password');

  const callback = await follow(context, {
    url: resumeUrl,
    jar,
    step: 'resume',
    done: () => jar.sessionToken() !== undefined,
  });
  const sessionToken = jar.sessionToken();
  if (!sessionToken) throw refused(context, callback, 'callback');
  return sessionToken;
}
