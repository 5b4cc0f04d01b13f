import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUpstreamSim } from '../../test/upstream-sim/index.js';
import type { UpstreamSim } from '../../test/upstream-sim/index.js';
import type { AccountConfig } from '../config/types.js';
import { createDispatcherRegistry } from '../upstream/http/index.js';
import type { DispatcherRegistry } from '../upstream/http/index.js';
import { createTokenService, WRONG_CREDENTIALS_MESSAGE } from '../upstream/tokens/index.js';
import type { TokenService } from '../upstream/tokens/index.js';
import { isUpstreamError } from '../upstream/types.js';
import { createSecretCipher } from './cipher.js';
import { createCredentialManager } from './credentials.js';
import type { CredentialManager, CredentialStore } from './credentials.js';
import { systemClock } from './types.js';
import type { Clock } from './types.js';

const cipher = createSecretCipher('test-app-secret-for-credentials');

/** A test double of the store's side of the contract: encrypted blobs in a Map. */
function memoryStore(): CredentialStore & { blobs: Map<string, string> } {
  const blobs = new Map<string, string>();
  return {
    blobs,
    load: async (name) => blobs.get(name),
    save: async (name, encrypted) => void blobs.set(name, encrypted),
  };
}

let sim: UpstreamSim;
let dispatchers: DispatcherRegistry;
let tokens: TokenService;
let counter = 0;

beforeAll(async () => {
  sim = await startUpstreamSim();
  dispatchers = createDispatcherRegistry({ connectTimeoutMs: 2000 });
  tokens = createTokenService({
    dispatchers,
    urls: { authBaseUrl: sim.authBaseUrl, oauthTokenUrl: sim.oauthTokenUrl },
    userAgent: 'Mozilla/5.0 (test)',
    timeoutMs: 5000,
  });
});

afterAll(async () => {
  await dispatchers.close();
  await sim.close();
});

interface Fixture {
  account: AccountConfig;
  store: ReturnType<typeof memoryStore>;
  manager: (clock?: Clock) => CredentialManager;
  calls: (path: string) => number;
}

/** A simulator account with the given credentials, and an AccountConfig holding `configured` of them. */
function fixture(configured: ('access' | 'session' | 'refresh' | 'password')[]): Fixture {
  counter += 1;
  const secrets = {
    accessToken: `initial-access-${counter}-${Date.now()}`,
    sessionToken: `session-${counter}-0123456789abcdef`,
    refreshToken: `refresh-${counter}-0123456789abcdef`,
    email: `user${counter}@example.test`,
    password: `pw-${counter}-correct horse`,
  };
  sim.addAccount(secrets);
  const account: AccountConfig = {
    name: `acct-${counter}`,
    kind: 'chatgpt',
    plus: false,
    max_concurrency: 1,
    weight: 1,
    ...(configured.includes('access') ? { access_token: secrets.accessToken } : {}),
    ...(configured.includes('session') ? { session_token: secrets.sessionToken } : {}),
    ...(configured.includes('refresh') ? { refresh_token: secrets.refreshToken } : {}),
    ...(configured.includes('password') ? { email: secrets.email, password: secrets.password } : {}),
  };
  const store = memoryStore();
  const start = sim.log.length;
  return {
    account,
    store,
    manager: (clock = systemClock) =>
      createCredentialManager({
        store,
        tokens,
        cipher,
        accounts: (name) => (name === account.name ? account : undefined),
        clock,
      }),
    calls: (path) => sim.log.slice(start).filter((entry) => entry.path.startsWith(path)).length,
  };
}

async function expectUsable(accessToken: string): Promise<void> {
  const response = await fetch(`${sim.chatgptBaseUrl}/models`, {
    headers: { authorization: `Bearer ${accessToken}` },
  });
  expect(response.status).toBe(200);
}

describe('credential manager against the simulator', () => {
  it('uses a configured access token as it is', async () => {
    const { account, manager, calls } = fixture(['access', 'session']);
    expect(await manager().accessTokenFor(account)).toBe(account.access_token);
    expect(calls('/api/auth')).toBe(0);
  });

  it('reads the stored secrets once a second, not on every turn', async () => {
    const { account, store, manager } = fixture(['access', 'session']);
    let loads = 0;
    const load = store.load;
    store.load = (name) => ((loads += 1), load(name));
    let now = 1_000_000;
    const credentials = manager({ now: () => now });
    for (let turn = 0; turn < 5; turn++)
      expect(await credentials.accessTokenFor(account)).toBe(account.access_token);
    expect(loads).toBe(1);
    now += 1_000;
    await credentials.accessTokenFor(account);
    expect(loads).toBe(2);
  });

  it('does not keep what a read got while a refresh saved meanwhile', async () => {
    const { account, store, manager } = fixture(['access', 'refresh']);
    const credentials = manager();
    const load = store.load;
    let release: (() => void) | undefined;
    // The first read sees the store as it was, but answers only after the refresh below.
    store.load = (name) => {
      store.load = load;
      const before = load(name);
      return new Promise((resolve) => (release = () => resolve(before)));
    };
    const slowRead = credentials.accessTokenFor(account);
    const old = account.access_token ?? '';
    sim.expireToken(old);
    expect(await credentials.refresh(account.name, { rejectedToken: old })).toBe(true);
    release?.();
    expect(await slowRead).toBe(old);
    const fresh = await credentials.accessTokenFor(account);
    expect(fresh).not.toBe(old);
  });

  it('obtains a token from a session token, stores it encrypted and reuses it after a restart', async () => {
    const { account, store, manager, calls } = fixture(['session']);
    const token = await manager().accessTokenFor(account);
    await expectUsable(token);
    const blob = store.blobs.get(account.name) ?? '';
    expect(blob.startsWith('v1:')).toBe(true);
    expect(blob).not.toContain(token);
    const saved = JSON.parse(cipher.decrypt(blob)) as { obtained: Record<string, unknown> };
    expect(saved.obtained.accessToken).toBe(token);
    expect(saved.obtained.sessionToken).not.toBe(account.session_token); // the rotated one
    expect(typeof saved.obtained.expiresAt).toBe('number');

    const restarted = manager();
    expect(await restarted.accessTokenFor(account)).toBe(token);
    expect(calls('/api/auth/session')).toBe(1);
  });

  it('refreshes ahead of expiry, using the rotated session token', async () => {
    const { account, store, manager, calls } = fixture(['session']);
    const first = await manager().accessTokenFor(account);
    const rotated = (
      JSON.parse(cipher.decrypt(store.blobs.get(account.name) ?? '')) as {
        obtained: { sessionToken: string; expiresAt: number };
      }
    ).obtained;
    const nearExpiry: Clock = { now: () => rotated.expiresAt - 60_000 };
    const second = await manager(nearExpiry).accessTokenFor(account);
    expect(second).not.toBe(first);
    await expectUsable(second);
    expect(calls('/api/auth/session')).toBe(2);
  });

  it('refreshes after the upstream refused the token, once even when asked concurrently', async () => {
    const { account, manager, calls } = fixture(['access', 'refresh']);
    const credentials = manager();
    const old = await credentials.accessTokenFor(account);
    sim.expireToken(old);
    const results = await Promise.all(
      [1, 2, 3].map(() => credentials.refresh(account.name, { rejectedToken: old })),
    );
    expect(results).toEqual([true, true, true]);
    const fresh = await credentials.accessTokenFor(account);
    expect(fresh).not.toBe(old);
    await expectUsable(fresh);
    expect(calls('/oauth/token')).toBe(1);
    // The refused configured token is never handed out again, even after a restart.
    expect(await manager().accessTokenFor(account)).toBe(fresh);
  });

  it('logs in with email and password, then keeps the session token for later refreshes', async () => {
    const { account, store, manager, calls } = fixture(['password']);
    const credentials = manager();
    const token = await credentials.accessTokenFor(account);
    await expectUsable(token);
    const logins = calls('/u/login/password');
    expect(logins).toBe(1);
    expect(store.blobs.get(account.name)).not.toContain(account.password);
    expect(await credentials.refresh(account.name, { rejectedToken: token })).toBe(true);
    expect(calls('/u/login/password')).toBe(1);
  });

  it('reports a failed refresh without leaking the password', async () => {
    const { account, manager } = fixture(['access']);
    const credentials = manager();
    const wrong: AccountConfig = {
      ...account,
      email: account.email ?? 'nobody@example.test',
      password: 'not-the-password-123',
    };
    const failing = createCredentialManager({
      store: memoryStore(),
      tokens,
      cipher,
      accounts: () => wrong,
    });
    expect(await failing.refresh(wrong.name)).toBe(false);
    expect(failing.lastRefreshFailure(wrong.name)).toContain(WRONG_CREDENTIALS_MESSAGE);
    expect(failing.lastRefreshFailure(wrong.name)).not.toContain('not-the-password-123');
    const error = await failing.accessTokenFor(wrong).catch((e: unknown) => e);
    expect(isUpstreamError(error) && error.kind).toBe('auth_invalid');
    expect(String((error as Error).message)).not.toContain('not-the-password-123');

    expect(await credentials.refresh(account.name)).toBe(false);
    expect(credentials.lastRefreshFailure(account.name)).toContain('no session token');
  });

  it('ignores a blob it cannot decrypt and keeps keys it does not own', async () => {
    const { account, store, manager } = fixture(['session']);
    store.blobs.set(account.name, createSecretCipher('another-secret-entirely').encrypt('{"obtained":{}}'));
    const token = await manager().accessTokenFor(account);
    await expectUsable(token);
    const withExtra = JSON.parse(cipher.decrypt(store.blobs.get(account.name) ?? '')) as Record<
      string,
      unknown
    >;
    store.blobs.set(account.name, cipher.encrypt(JSON.stringify({ ...withExtra, api_key: 'kept' })));
    await manager().refresh(account.name, { rejectedToken: token });
    expect(JSON.parse(cipher.decrypt(store.blobs.get(account.name) ?? ''))).toMatchObject({
      api_key: 'kept',
    });
  });

  it('hands out the API key of an openai account', async () => {
    const manager = createCredentialManager({
      store: memoryStore(),
      tokens,
      cipher,
      accounts: () => undefined,
    });
    const account: AccountConfig = {
      name: 'api',
      kind: 'openai',
      plus: false,
      max_concurrency: 4,
      weight: 1,
      api_key: 'sk-test-key',
    };
    expect(await manager.secretFor(account)).toBe('sk-test-key');
  });
});
