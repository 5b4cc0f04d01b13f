import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../../../test/helpers/config.js';
import { startStack, type Stack } from '../../../../test/helpers/stack.js';

const ACCOUNT = {
  accessToken: 'sim-own-access-token-0123456789',
  email: 'Alice@Example.test',
  password: 'correct horse battery staple',
  sessionToken: 'sim-session-token-alice-0123456789',
  refreshToken: 'sim-refresh-token-alice-0123456789',
};

describe('/api/access-token', () => {
  let stack: Stack;
  let key: string;
  const obtained: string[] = [];
  beforeAll(async () => {
    stack = await startStack({ accounts: [{ name: 'free-1' }] });
    stack.sim.addAccount(ACCOUNT);
    key = await stack.addUser('alice');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const expectToken = (json: Record<string, unknown> | undefined) => {
    expect(json).toMatchObject({
      status: 'success',
      access_token: expect.any(String),
      expires_at: expect.any(String),
    });
    expect(json?.['Access Token']).toBe(json?.access_token);
    expect(Date.parse(json?.expires_at as string)).toBeGreaterThan(Date.now());
    obtained.push(json?.access_token as string);
  };

  it('gets a token from email and password (the original flow), by GET and POST', async () => {
    const get = await stack.call(
      `/api/access-token?user=${key}&email=${encodeURIComponent(ACCOUNT.email)}&password=${encodeURIComponent(ACCOUNT.password)}`,
    );
    expect(get.status, get.text).toBe(200);
    expectToken(get.json);
    const post = await stack.call('/api/access-token', {
      form: new URLSearchParams({ user: key, email: ACCOUNT.email, password: ACCOUNT.password }).toString(),
    });
    expect(post.status).toBe(200);
    expectToken(post.json);
  });

  it('gets a token from a session token or a refresh token, and the token works upstream', async () => {
    const bySession = await stack.call('/api/access-token', {
      json: { user: key, session_token: ACCOUNT.sessionToken },
    });
    expect(bySession.status, bySession.text).toBe(200);
    expectToken(bySession.json);
    const byRefresh = await stack.call('/api/access-token', {
      json: { session_token: undefined, refresh_token: ACCOUNT.refreshToken },
      headers: { authorization: `Bearer ${key}` },
    });
    expect(byRefresh.status, byRefresh.text).toBe(200);
    expectToken(byRefresh.json);
    const chat = await stack.call('/api/chat', {
      json: { user: key, prompt: 'hi', access_token: byRefresh.json?.access_token },
    });
    expect(chat.status, chat.text).toBe(200);
  });

  it("refuses a wrong password with 401 and the original's message", async () => {
    const res = await stack.call('/api/access-token', {
      json: { user: key, email: 'nobody@example.test', password: 'not-the-password' },
    });
    expect(res.status).toBe(401);
    expect(res.json).toMatchObject({
      status: 'error',
      code: 'wrong_credentials',
      message: 'Wrong email or password provided',
    });
  });

  it('maps expired tokens to 401 and an upstream challenge to 502', async () => {
    const expired = await stack.call('/api/access-token', {
      json: { user: key, session_token: 'sim-session.unknown-session-value' },
    });
    expect(expired.status).toBe(401);
    expect(expired.json?.code).toBe('token_expired');
    stack.sim.setFault(ACCOUNT.sessionToken, { type: 'cloudflare' }, 1);
    const challenged = await stack.call('/api/access-token', {
      json: { user: key, session_token: ACCOUNT.sessionToken },
    });
    expect(challenged.status).toBe(502);
    expect(challenged.json?.code).toBe('upstream_challenge');
  });

  it.each([
    [{}, 'email'],
    [{ email: 'a@b.c' }, 'password'],
    [{ password: 'x' }, 'email'],
    [{ session_token: 's', refresh_token: 'r' }, 'session_token'],
    [{ session_token: '' }, 'session_token'],
  ])('rejects the parameters %j naming %s', async (params, field) => {
    const res = await stack.call('/api/access-token', { json: { user: key, ...params } });
    expect(res.status).toBe(400);
    expect(res.json?.field).toBe(field);
  });

  it('requires a user key', async () => {
    const res = await stack.call('/api/access-token', { json: { session_token: ACCOUNT.sessionToken } });
    expect(res.status).toBe(401);
    expect(res.json?.message).toBe('No user specified');
  });

  it('throttles refused passwords per email, whoever asks', async () => {
    const email = 'target@example.test';
    stack.sim.addAccount({ accessToken: 'sim-target-token', email, password: 'right-password' });
    const other = await stack.addUser('mallory');
    for (let i = 0; i < 5; i++) {
      const res = await stack.call('/api/access-token', {
        json: { user: i % 2 ? key : other, email, password: `guess-${i}` },
      });
      expect(res.status).toBe(401);
    }
    const blocked = await stack.call('/api/access-token', {
      json: { user: key, email: 'TARGET@example.test', password: 'right-password' },
    });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(blocked.json?.code).toBe('access_token_throttled');
    const otherEmail = await stack.call('/api/access-token', {
      json: { user: key, email: ACCOUNT.email, password: ACCOUNT.password },
    });
    expect(otherEmail.status).toBe(200);
    obtained.push(otherEmail.json?.access_token as string);
  });

  it('throttles attempts per user, successful ones too', async () => {
    const busy = await stack.addUser('busy');
    for (let i = 0; i < 20; i++) {
      const res = await stack.call('/api/access-token', {
        json: { user: busy, session_token: ACCOUNT.sessionToken },
      });
      expect(res.status, `${i}: ${res.text}`).toBe(200);
      obtained.push(res.json?.access_token as string);
    }
    const blocked = await stack.call('/api/access-token', {
      json: { user: busy, session_token: ACCOUNT.sessionToken },
    });
    expect(blocked.status).toBe(429);
    expect(blocked.json?.code).toBe('access_token_throttled');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    const someoneElse = await stack.call('/api/access-token', {
      json: { user: key, session_token: ACCOUNT.sessionToken },
    });
    expect(someoneElse.status).toBe(200);
  });

  it('never logs passwords or tokens', () => {
    const logs = stack.server.logText();
    expect(logs).toContain('access token obtained');
    expect(obtained.length).toBeGreaterThan(3);
    for (const secret of [
      ACCOUNT.password,
      ACCOUNT.sessionToken,
      ACCOUNT.refreshToken,
      'right-password',
      ...obtained,
    ])
      expect(logs).not.toContain(secret);
    expect(logs).not.toContain('guess-');
  });
});

describe('/api/access-token through the default proxy', () => {
  it('reports an unreachable proxy as 502', async () => {
    const base = testConfig({ dataDir: '' }).server;
    const stack = await startStack({
      accounts: [{ name: 'free-1' }],
      config: { server: { ...base, default_proxy: 'socks5://127.0.0.1:1' } },
    });
    try {
      const key = await stack.addUser('alice');
      const res = await stack.call('/api/access-token', {
        json: { user: key, session_token: ACCOUNT.sessionToken },
      });
      expect(res.status).toBe(502);
      expect(res.json?.code).toBe('upstream_unreachable');
      expect(res.text).not.toContain(ACCOUNT.sessionToken);
      expect(stack.sim.log.some((e) => e.path.startsWith('/api/auth/session'))).toBe(false);
    } finally {
      await stack.stop();
    }
  });
});
