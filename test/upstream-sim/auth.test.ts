import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startUpstreamSim } from './index.js';
import type { UpstreamSim } from './index.js';

let sim: UpstreamSim;
beforeEach(async () => {
  sim = await startUpstreamSim();
  sim.addAccount({
    accessToken: 'tok-alice',
    plus: true,
    email: 'alice@example.test',
    password: 'correct horse',
    sessionToken: 'sess-alice',
    refreshToken: 'refresh-alice',
  });
});
afterEach(async () => {
  await sim.close();
});

const SESSION_COOKIE = '__Secure-next-auth.session-token';

function jwtPayload(token: string): Record<string, unknown> {
  const parts = token.split('.');
  expect(parts).toHaveLength(3);
  return JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

function cookieValue(setCookie: string | string[] | undefined, name: string): string | undefined {
  const all = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  for (const cookie of all) {
    const [pair] = cookie.split(';');
    if (pair?.startsWith(`${name}=`)) return pair.slice(name.length + 1);
  }
  return undefined;
}

async function getSession(sessionToken: string) {
  const res = await request(`${sim.authBaseUrl}/api/auth/session`, {
    headers: { cookie: `${SESSION_COOKIE}=${sessionToken}` },
  });
  return { res, body: (await res.body.json()) as { accessToken?: string; user?: { email: string } } };
}

async function isPlusBearer(token: string): Promise<boolean> {
  const res = await request(`${sim.chatgptBaseUrl}/models`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const body = (await res.body.json()) as { models: { slug: string }[] };
  return body.models.some((m) => m.slug === 'gpt-4o');
}

describe('auth', () => {
  it('turns a session token into an access token and rotates the session cookie', async () => {
    const { res, body } = await getSession('sess-alice');
    expect(res.statusCode).toBe(200);
    expect(body.user?.email).toBe('alice@example.test');
    const payload = jwtPayload(body.accessToken!);
    expect(typeof payload.exp).toBe('number');
    expect(
      (payload['https://api.openai.com/auth'] as { chatgpt_account_id: string }).chatgpt_account_id,
    ).toBeTruthy();
    expect(await isPlusBearer(body.accessToken!)).toBe(true);
    const rotated = cookieValue(res.headers['set-cookie'], SESSION_COOKIE);
    expect(rotated).toBeTruthy();
    expect(rotated).not.toBe('sess-alice');
    expect((await getSession(rotated!)).body.accessToken).toBeTruthy();
    expect(await getSession('sess-unknown')).toMatchObject({ body: {} });
  });

  it('refreshes an access token with the refresh grant', async () => {
    const post = (refreshToken: string) =>
      request(sim.oauthTokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          grant_type: 'refresh_token',
          client_id: 'pdlLIX2Y72MIl2rhLhTE9VV9bN905kBh',
          redirect_uri: 'com.openai.chat://auth.openai.com/ios/com.openai.chat/callback',
          refresh_token: refreshToken,
        }),
      });
    sim.expireToken('tok-alice');
    const res = await post('refresh-alice');
    const body = (await res.body.json()) as { access_token: string; expires_in: number };
    expect(res.statusCode).toBe(200);
    expect(body.expires_in).toBeGreaterThan(0);
    expect(await isPlusBearer(body.access_token)).toBe(true);
    const bad = await post('refresh-nope');
    expect(bad.statusCode).toBe(400);
    expect(((await bad.body.json()) as { error: string }).error).toBe('invalid_grant');
  });

  async function loginUntilPassword(): Promise<{ state: string; passwordUrl: string }> {
    const csrf = await request(`${sim.authBaseUrl}/api/auth/csrf`);
    const { csrfToken } = (await csrf.body.json()) as { csrfToken: string };
    const signin = await request(`${sim.authBaseUrl}/api/auth/signin/auth0?prompt=login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ callbackUrl: '/', csrfToken, json: 'true' }).toString(),
    });
    const { url } = (await signin.body.json()) as { url: string };
    expect(url.startsWith(sim.url)).toBe(true);
    const authorize = await request(url);
    expect(authorize.statusCode).toBe(302);
    await authorize.body.dump();
    const identifierUrl = new URL(String(authorize.headers.location), url);
    const state = identifierUrl.searchParams.get('state')!;
    const identifier = await request(identifierUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ state, username: 'alice@example.test', action: 'default' }).toString(),
    });
    expect(identifier.statusCode).toBe(302);
    await identifier.body.dump();
    return { state, passwordUrl: new URL(String(identifier.headers.location), url).toString() };
  }

  const postPassword = (passwordUrl: string, state: string, password: string) =>
    request(passwordUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        state,
        username: 'alice@example.test',
        password,
        action: 'default',
      }).toString(),
    });

  it('logs in with email and password and sets a working session cookie', async () => {
    const { state, passwordUrl } = await loginUntilPassword();
    const password = await postPassword(passwordUrl, state, 'correct horse');
    expect(password.statusCode).toBe(302);
    await password.body.dump();
    const resume = await request(new URL(String(password.headers.location), passwordUrl));
    expect(resume.statusCode).toBe(302);
    await resume.body.dump();
    const callback = await request(String(resume.headers.location));
    expect(callback.statusCode).toBe(302);
    await callback.body.dump();
    const session = cookieValue(callback.headers['set-cookie'], SESSION_COOKIE);
    expect(session).toBeTruthy();
    const { body } = await getSession(session!);
    expect(await isPlusBearer(body.accessToken!)).toBe(true);
  });

  it('answers a wrong password with a 400 page', async () => {
    const { state, passwordUrl } = await loginUntilPassword();
    const res = await postPassword(passwordUrl, state, 'wrong');
    expect(res.statusCode).toBe(400);
    expect(await res.body.text()).toContain('Wrong email or password');
  });

  it('sends a bad CSRF token back to the sign-in page', async () => {
    const res = await request(`${sim.authBaseUrl}/api/auth/signin/auth0?prompt=login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ callbackUrl: '/', csrfToken: 'forged', json: 'true' }).toString(),
    });
    expect(((await res.body.json()) as { url: string }).url).toContain('csrf=true');
  });
});
