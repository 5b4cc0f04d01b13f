/** Row 13 (brute force per client IP) and per-key request rates: 429 with Retry-After. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../helpers/config.js';
import { startStack, type Stack } from '../helpers/stack.js';

describe('security: brute force and rate limits', () => {
  let stack: Stack;
  beforeAll(async () => {
    const base = testConfig({ dataDir: '' });
    stack = await startStack({
      // Behind a reverse proxy, so each test can be its own client address.
      config: {
        server: { ...base.server, trust_proxy: true },
        limits: { ...base.limits, auth_failures_per_minute: 20 },
      },
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });
  const from = (ip: string, extra: Record<string, string> = {}) => ({ 'x-forwarded-for': ip, ...extra });
  const withoutRequestId = (json: Record<string, unknown> | undefined) => ({
    ...json,
    request_id: undefined,
  });

  it('row 13: 50 wrong admin keys from one address are throttled with 429 + Retry-After, even the right key', async () => {
    const statuses: number[] = [];
    let throttled: Awaited<ReturnType<Stack['call']>> | undefined;
    for (let i = 0; i < 50; i += 1) {
      const res = await stack.call(`/api/admin/users?admin=wrong-admin-key-${i}`, {
        headers: from('203.0.113.5'),
      });
      statuses.push(res.status);
      if (res.status === 429) throttled ??= res;
    }
    expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(20).every((s) => s === 429)).toBe(true);
    expect(Number(throttled?.headers['retry-after'])).toBeGreaterThan(0);
    expect(throttled?.json).toMatchObject({ status: 'error', code: 'auth_throttled' });
    // A right guess is not told apart while throttled.
    const right = await stack.call('/api/admin/users', {
      headers: from('203.0.113.5', { authorization: `Bearer ${stack.adminKey}` }),
    });
    expect(right.status).toBe(429);
    // Another address is not affected.
    const other = await stack.call('/api/admin/users', {
      headers: from('203.0.113.6', { authorization: `Bearer ${stack.adminKey}` }),
    });
    expect(other.status).toBe(200);
  });

  it('row 13: wrong user keys are throttled the same way; unknown and wrong keys get the same message', async () => {
    const key = await stack.addUser('dave');
    const revoked = await stack.addUser('erin');
    await stack.call('/api/admin/update-user', {
      json: { user_id: 'erin', disabled: true },
      headers: { authorization: `Bearer ${stack.adminKey}` },
    });
    const unknown = await stack.call('/api/chat?user=cas_never_issued_key&prompt=hi', {
      headers: from('198.51.100.7'),
    });
    const wrong = await stack.call(`/api/chat?user=${key.slice(0, -1)}x&prompt=hi`, {
      headers: from('198.51.100.7'),
    });
    const disabled = await stack.call(`/api/chat?user=${revoked}&prompt=hi`, {
      headers: from('198.51.100.7'),
    });
    expect(unknown.status).toBe(401);
    expect(withoutRequestId(wrong.json)).toEqual(withoutRequestId(unknown.json));
    expect(withoutRequestId(disabled.json)).toEqual(withoutRequestId(unknown.json));
    let last = unknown;
    for (let i = 0; i < 30; i += 1)
      last = await stack.call(`/api/chat?user=guess-${i}&prompt=hi`, { headers: from('198.51.100.7') });
    expect(last.status).toBe(429);
    expect(last.headers['retry-after']).toBeDefined();
    // Clients' keys count too.
    let client = last;
    for (let i = 0; i < 25; i += 1)
      client = await stack.call(`/api/chat?client=guess-${i}&user_id=u&prompt=hi`, {
        headers: from('198.51.100.8'),
      });
    expect(client.status).toBe(429);
    expect(client.json).toMatchObject({ code: 'auth_throttled' });
    // The right key from a clean address still works.
    expect(
      (await stack.call(`/api/chat?user=${key}&prompt=hi`, { headers: from('198.51.100.9') })).status,
    ).toBe(200);
  });

  it('row 30: a key over its requests_per_minute gets 429 + Retry-After; other keys are unaffected', async () => {
    const created = await stack.call('/api/admin/users', {
      json: { userid: 'limited', limits: { requests_per_minute: 3 } },
      headers: { authorization: `Bearer ${stack.adminKey}` },
    });
    const limited = created.json?.api_key as string;
    const free = await stack.addUser('unlimited');
    const statuses: number[] = [];
    let refused: Awaited<ReturnType<Stack['call']>> | undefined;
    for (let i = 0; i < 5; i += 1) {
      const res = await stack.call(`/api/recall?user=${limited}`, { headers: from('192.0.2.1') });
      statuses.push(res.status);
      if (res.status === 429) refused = res;
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(Number(refused?.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(refused?.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(refused?.json).toMatchObject({ code: 'user_rate_limited' });
    // A turn is refused before any upstream call.
    const before = stack.sim.log.length;
    expect(
      (await stack.call(`/api/chat?user=${limited}&prompt=hi`, { headers: from('192.0.2.1') })).status,
    ).toBe(429);
    expect(stack.sim.log.length).toBe(before);
    // /v1 counts too, answered in OpenAI's error shape.
    const v1 = await stack.call('/v1/chat/completions', {
      json: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
      headers: { ...from('192.0.2.1'), authorization: `Bearer ${limited}` },
    });
    expect(v1.status).toBe(429);
    expect(v1.json).toMatchObject({ error: { code: 'user_rate_limited' } });
    expect(Number(v1.headers['retry-after'])).toBeGreaterThan(0);
    const models = await stack.call('/v1/models', { headers: { authorization: `Bearer ${limited}` } });
    expect(models.status).toBe(429);
    expect(stack.sim.log.length).toBe(before);
    expect((await stack.call(`/api/recall?user=${free}`, { headers: from('192.0.2.1') })).status).toBe(200);
  });
});
