/**
 * Rows 16–18: secrets used in a session never reach the logs, error texts that echo a secret
 * are redacted, and email/password sent for an access token are never logged or stored.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../helpers/config.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { storedBytes } from './db-dump.js';

const EMAIL = 'owner@example.com';
const PASSWORD = 'correct-horse-battery-staple-42';
const OWN_TOKEN = 'own-access-token-SECRET-5e6f7a8b';
const LEAKY_KEY = 'sk-leaky-SECRET-1a2b3c4d5e6f7a8b';

/** An OpenAI-compatible stand-in whose errors quote the caller's credentials back. */
async function startEchoingUpstream(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.resume();
    const auth = req.headers.authorization ?? '';
    const key = auth.replace(/^Bearer /, '');
    const status = req.url?.includes('/models') ? 200 : 500;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify(
        status === 200
          ? { data: [{ id: 'gpt-4o-mini' }] }
          : {
              error: {
                message: `Internal failure for ${auth}; key ${key} password=${PASSWORD}`,
                type: 'server_error',
              },
            },
      ),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

describe('security: secrets (rows 16–18)', () => {
  let stack: Stack;
  let echo: Awaited<ReturnType<typeof startEchoingUpstream>>;
  let key: string;
  beforeAll(async () => {
    echo = await startEchoingUpstream();
    const base = testConfig({ dataDir: '' }).limits;
    stack = await startStack({
      accounts: [{ name: 'free-1' }],
      config: { limits: { ...base, auth_failures_per_minute: 1000 } },
    });
    stack.sim.addAccount({ accessToken: OWN_TOKEN, email: EMAIL, password: PASSWORD });
    key = await stack.addUser('alice');
  });
  afterAll(async () => {
    await stack?.stop();
    await echo?.close();
  });
  const admin = () => ({ authorization: `Bearer ${stack.adminKey}` });

  it('row 17: an upstream error echoing the token, key or password is redacted before it is returned or logged', async () => {
    const added = await stack.call('/api/admin/accounts', {
      json: {
        name: 'leaky',
        kind: 'openai',
        api_key: LEAKY_KEY,
        base_url: `${echo.url}/v1`,
        models: ['leaky-model'],
      },
      headers: admin(),
    });
    expect(added.status).toBe(200);
    const res = await stack.call(`/api/chat?user=${key}&prompt=hi&model=leaky-model`);
    expect(res.status).toBeGreaterThanOrEqual(500);
    const stream = await stack.call(`/api/chat?user=${key}&prompt=hi&model=leaky-model&stream=true`);
    const tested = await stack.call('/api/admin/accounts/leaky/test', { method: 'POST', headers: admin() });
    const accounts = await stack.call('/api/admin/accounts', { headers: admin() });
    for (const text of [res.text, stream.text, tested.text, accounts.text, stack.server.logText()]) {
      expect(text).not.toContain(LEAKY_KEY);
      expect(text).not.toContain(PASSWORD);
    }
  });

  it('row 18: email and password sent for an access token are never logged or stored; failures are throttled', async () => {
    const ok = await stack.call('/api/access-token', {
      json: { user: key, email: EMAIL, password: PASSWORD },
    });
    expect(ok.status).toBe(200);
    const issued = String(ok.json?.access_token ?? '');
    expect(issued.length).toBeGreaterThan(20);
    const statuses: number[] = [];
    for (let i = 0; i < 8; i += 1)
      statuses.push(
        (
          await stack.call('/api/access-token', {
            json: { user: key, email: EMAIL, password: `wrong-${PASSWORD}-${i}` },
          })
        ).status,
      );
    expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
    expect(statuses.at(-1)).toBe(429);
    const logs = stack.server.logText();
    expect(logs).not.toContain(PASSWORD);
    expect(logs).not.toContain(issued);
    expect(logs).not.toContain(EMAIL);
    const bytes = await storedBytes(stack.server.storage);
    expect(bytes.includes(issued)).toBe(false);
    expect(bytes.includes(PASSWORD)).toBe(false);
    expect(bytes.includes(EMAIL)).toBe(false);
  });

  it('row 16: a session passing user and admin keys in query strings and an own access token leaves none in the logs', async () => {
    await stack.call(`/api/chat?user=${key}&prompt=query%20key`);
    await stack.call(`/api/admin/users?admin=${stack.adminKey}`);
    await stack.call(`/api/chat?user=${key}&prompt=own&access_token=${OWN_TOKEN}`);
    await stack.call('/api/chat', {
      json: { prompt: 'bearer' },
      headers: { authorization: `Bearer ${key}` },
    });
    await stack.call(`/api/recall?user=${key}-wrong`);
    await stack.call(`/api/admin/users?admin=${stack.adminKey}x`);
    const logs = stack.server.logText();
    expect(logs.length).toBeGreaterThan(0);
    for (const secret of [key, stack.adminKey, OWN_TOKEN, stack.secretOf('free-1')]) {
      expect(logs).not.toContain(secret);
      expect(logs).not.toContain(encodeURIComponent(secret));
    }
  });
});
