import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startUpstreamSim, type UpstreamSim } from '../../../test/upstream-sim/index.js';
import { describeWithBinary } from '../../../test/helpers/binaries.js';
import { startMicrosocks, type Microsocks } from '../../../test/helpers/socks.js';
import { createDispatcherRegistry, type DispatcherRegistry } from '../http/dispatchers.js';
import { TokenError, WRONG_CREDENTIALS_MESSAGE } from './errors.js';
import { jwtAccountId } from './jwt.js';
import { createTokenService, type TokenService } from './service.js';

const ACCOUNT = {
  accessToken: 'sim-initial-access-token',
  email: 'alice@example.test',
  password: 'correct horse battery',
  sessionToken: 'sim-session-token-alice-0123456789',
  refreshToken: 'sim-refresh-token-alice-0123456789',
};

let sim: UpstreamSim;
let registry: DispatcherRegistry;
let tokens: TokenService;

beforeAll(async () => {
  sim = await startUpstreamSim();
  sim.addAccount(ACCOUNT);
  registry = createDispatcherRegistry({ connectTimeoutMs: 2_000 });
  tokens = createTokenService({
    dispatchers: registry,
    urls: { authBaseUrl: sim.authBaseUrl, oauthTokenUrl: sim.oauthTokenUrl },
    userAgent: 'Mozilla/5.0 (test)',
    timeoutMs: 5_000,
  });
});
afterAll(async () => {
  await registry.close();
  await sim.close();
});

/** The access token must work upstream: the simulator lists models for it. */
async function expectUsable(accessToken: string): Promise<void> {
  const response = await fetch(`${sim.chatgptBaseUrl}/models`, {
    headers: { authorization: `Bearer ${accessToken}` },
  });
  expect(response.status).toBe(200);
}

async function caught(promise: Promise<unknown>): Promise<TokenError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TokenError);
  return error as TokenError;
}

describe('token service against the simulator', () => {
  it('exchanges a session token and returns the rotated one', async () => {
    const result = await tokens.fromSessionToken({ sessionToken: ACCOUNT.sessionToken });
    expect(result.accessToken).not.toBe(ACCOUNT.accessToken);
    expect(result.expiresAt?.getTime()).toBeGreaterThan(Date.now());
    expect(jwtAccountId(result.accessToken)).toBeTruthy();
    expect(result.sessionToken).toBeTruthy();
    expect(result.sessionToken).not.toBe(ACCOUNT.sessionToken);
    await expectUsable(result.accessToken);
    const again = await tokens.fromSessionToken({ sessionToken: result.sessionToken ?? '' });
    await expectUsable(again.accessToken);
  });

  it('reports an unknown session token as expired without echoing it', async () => {
    const error = await caught(tokens.fromSessionToken({ sessionToken: 'sim-session.unknown-token-value' }));
    expect(error.code).toBe('expired');
    expect(error.message).not.toContain('unknown-token-value');
  });

  it('reports a Cloudflare page as a challenge', async () => {
    sim.setFault(ACCOUNT.sessionToken, { type: 'cloudflare' }, 1);
    const error = await caught(tokens.fromSessionToken({ sessionToken: ACCOUNT.sessionToken }));
    expect(error.code).toBe('challenge');
    expect(error.message).toBe('session token exchange: blocked by a challenge');
  });

  it('exchanges a refresh token', async () => {
    const result = await tokens.fromRefreshToken({ refreshToken: ACCOUNT.refreshToken });
    expect(result.expiresAt?.getTime()).toBeGreaterThan(Date.now());
    expect(result.refreshToken).toBeUndefined(); // the simulator does not rotate it
    await expectUsable(result.accessToken);
    expect(sim.log.at(-2)).toMatchObject({ method: 'POST', path: '/oauth/token', status: 200 });
  });

  it('reports a refused refresh token as expired', async () => {
    const error = await caught(tokens.fromRefreshToken({ refreshToken: 'not-a-known-refresh-token-123' }));
    expect(error.code).toBe('expired');
    expect(error.status).toBe(400);
    expect(error.message).toContain('invalid_grant');
    expect(error.message).not.toContain('not-a-known-refresh-token-123');
  });

  it('logs in with email and password', async () => {
    const result = await tokens.fromCredentials({ email: ACCOUNT.email, password: ACCOUNT.password });
    expect(result.sessionToken).toBeTruthy();
    await expectUsable(result.accessToken);
    const paths = sim.log.map((entry) => entry.path);
    for (const step of [
      '/api/auth/csrf',
      '/u/login/password',
      '/authorize/resume',
      '/api/auth/callback/auth0',
    ]) {
      expect(paths).toContain(step);
    }
    const fromSession = await tokens.fromSessionToken({ sessionToken: result.sessionToken ?? '' });
    await expectUsable(fromSession.accessToken);
  });

  it('refuses a wrong password with the original message and no secrets', async () => {
    const error = await caught(
      tokens.fromCredentials({ email: ACCOUNT.email, password: 'wrong-password-123' }),
    );
    expect(error.code).toBe('wrong_credentials');
    expect(error.message).toBe(WRONG_CREDENTIALS_MESSAGE);
  });

  it('names the step and the host when the auth server cannot be reached', async () => {
    const offline = createTokenService({
      dispatchers: registry,
      urls: { authBaseUrl: 'http://127.0.0.1:1', oauthTokenUrl: 'http://127.0.0.1:1/oauth/token' },
      userAgent: 'test',
      timeoutMs: 5_000,
    });
    const error = await caught(offline.fromCredentials({ email: ACCOUNT.email, password: ACCOUNT.password }));
    expect(error.code).toBe('network');
    expect(error.message).toMatch(/^login step csrf: could not reach 127\.0\.0\.1:1/);
    expect(error.message).not.toContain(ACCOUNT.password);
  });
});

describeWithBinary('microsocks', 'token service through a SOCKS5 proxy', () => {
  let proxy: Microsocks | undefined;
  afterEach(async () => {
    await proxy?.stop();
    proxy = undefined;
  });

  it('runs every exchange through the proxy', async () => {
    proxy = await startMicrosocks({ user: 'tok', password: 'proxy-pw', bindAddress: '127.0.0.2' });
    const firstLogged = sim.log.length;
    const login = await tokens.fromCredentials({
      email: ACCOUNT.email,
      password: ACCOUNT.password,
      proxy: proxy.url,
    });
    const refreshed = await tokens.fromRefreshToken({ refreshToken: ACCOUNT.refreshToken, proxy: proxy.url });
    await expectUsable(login.accessToken);
    await expectUsable(refreshed.accessToken);
    const viaProxy = sim.log.slice(firstLogged).filter((entry) => !entry.path.startsWith('/backend-api'));
    expect(viaProxy.length).toBeGreaterThanOrEqual(8);
    expect(new Set(viaProxy.map((entry) => entry.remoteAddress))).toEqual(new Set(['127.0.0.2']));
  });

  it('reports a network error naming the proxy (not its password) when it is down', async () => {
    proxy = await startMicrosocks({ user: 'tok', password: 'proxy-pw' });
    const url = proxy.url;
    await proxy.stop();
    proxy = undefined;
    const error = await caught(tokens.fromSessionToken({ sessionToken: ACCOUNT.sessionToken, proxy: url }));
    expect(error.code).toBe('network');
    expect(error.message).toContain('through proxy 127.0.0.1:');
    expect(error.message).not.toContain('proxy-pw');
    expect(error.message).not.toContain(ACCOUNT.sessionToken);
  });
});
