import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../../../test/helpers/stack.js';
import { parsePrometheus, sumOf, type Sample } from '../../../metrics/test-support.js';

const OVERHEAD = /^\d+\.\d$/;

describe('operations: /metrics after a mixed run, /readyz, request logs', () => {
  let stack: Stack;
  let key: string;
  let completes = 0;
  const admin = () => ({ authorization: `Bearer ${stack.adminKey}` });
  const scrape = async (): Promise<Sample[]> => {
    const res = await stack.call('/metrics', { headers: admin() });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    return parsePrometheus(res.text);
  };
  const chat = async (body: Record<string, unknown>, headers: Record<string, string> = {}) => {
    const res = await stack.call('/api/chat', { json: { user: key, ...body }, headers });
    if (res.status === 200) completes += 1;
    return res;
  };

  beforeAll(async () => {
    stack = await startStack({ accounts: [{ name: 'free-1' }, { name: 'free-2' }] });
    key = await stack.addUser('alice');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('is ready with a reachable database and a ready account; healthz answers', async () => {
    expect((await stack.call('/healthz')).json).toEqual({ status: 'ok' });
    const ready = await stack.call('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.json).toEqual({ status: 'ready', checks: { database: 'ok', accounts: 'ok' } });
  });

  it('keeps /metrics from callers without the admin key', async () => {
    expect((await stack.call('/metrics')).status).toBe(401);
    const asUser = await stack.call('/metrics', { headers: { authorization: `Bearer ${key}` } });
    expect(asUser.status).toBe(403);
    expect((await stack.call(`/metrics?admin=${stack.adminKey}`)).status).toBe(200);
  });

  it('finds the counters and states of a mixed run: successes, an upstream 429, a cancelled stream', async () => {
    // A conversation on free-1, so its follow-up must use free-1 (ChatGPT conversations are sticky).
    let conversationId: string | undefined;
    for (let i = 0; i < 6 && !conversationId; i += 1) {
      const res = await chat({ prompt: `warm up ${i}` });
      expect(res.status).toBe(200);
      expect(res.headers['x-gateway-overhead-ms']).toMatch(OVERHEAD);
      if (res.json?.account === 'free-1') conversationId = res.json.conversation_id as string;
    }
    expect(conversationId).toBeDefined();

    stack.sim.setFault(stack.secretOf('free-1'), { type: 'rate_limit', clearsIn: 60 }, 1);
    const limited = await chat({ prompt: 'follow-up', conversation_id: conversationId });
    expect(limited.status).toBe(429);
    expect(limited.headers['x-gateway-overhead-ms']).toMatch(OVERHEAD);

    // A stream the client leaves after its first event (it runs on free-2: free-1 cools down).
    stack.sim.setOptions({ chunkDelayMs: 200 });
    const controller = new AbortController();
    const res = await request(`${stack.url}/api/chat?user=${key}&prompt=long%20story&stream=true`, {
      signal: controller.signal,
    });
    expect(res.headers['x-gateway-overhead-ms']).toMatch(OVERHEAD);
    for await (const chunk of res.body) if (String(chunk).includes('event: delta')) break;
    controller.abort();
    await expect
      .poll(() => stack.server.logs.some((l) => l.msg === 'turn' && l.status === 'cancelled'), {
        timeout: 10_000,
      })
      .toBe(true);
    stack.sim.setOptions({ chunkDelayMs: 0 });
    expect((await chat({ prompt: 'after the stream' })).status).toBe(200);

    await expect.poll(async () => sumOf(await scrape(), 'cas_open_streams'), { timeout: 5000 }).toBe(0);
    const samples = await scrape();
    expect(sumOf(samples, 'cas_turns_total', { outcome: 'complete' })).toBe(completes);
    expect(sumOf(samples, 'cas_turns_total', { outcome: 'error', account: 'free-1' })).toBe(1);
    expect(sumOf(samples, 'cas_turns_total', { outcome: 'cancelled', account: 'free-2' })).toBe(1);
    expect(sumOf(samples, 'cas_turns_total', { outcome: 'incomplete' })).toBe(0);
    expect(sumOf(samples, 'cas_turns_total')).toBe(completes + 2);
    expect(sumOf(samples, 'cas_upstream_first_byte_seconds_count', { kind: 'chatgpt' })).toBe(completes + 1);
    expect(sumOf(samples, 'cas_account_cooldowns_total', { account: 'free-1' })).toBe(1);
    expect(sumOf(samples, 'cas_account_cooldowns_total')).toBe(1);
    expect(sumOf(samples, 'cas_account_ejections_total')).toBe(0);
    expect(sumOf(samples, 'cas_accounts', { state: 'cooling' })).toBe(1);
    expect(sumOf(samples, 'cas_accounts', { state: 'ready' })).toBe(1);
    expect(sumOf(samples, 'cas_account_state', { account: 'free-1', state: 'cooling' })).toBe(1);
    expect(sumOf(samples, 'cas_account_state', { account: 'free-2', state: 'ready' })).toBe(1);
    const chatRequests = { route: '/api/chat' };
    expect(
      sumOf(samples, 'cas_http_requests_total', { ...chatRequests, method: 'POST', status: '200' }),
    ).toBe(completes);
    expect(sumOf(samples, 'cas_http_requests_total', { ...chatRequests, status: '429' })).toBe(1);
    expect(sumOf(samples, 'cas_http_requests_total', { ...chatRequests, method: 'GET', status: '499' })).toBe(
      1,
    );
    expect(sumOf(samples, 'cas_http_request_duration_seconds_count', chatRequests)).toBe(completes + 2);
    expect(sumOf(samples, 'cas_gateway_overhead_seconds_count', chatRequests)).toBe(completes + 1);
    expect(sumOf(samples, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    // Label values are route patterns and account names, never a key or a prompt.
    const text = (await stack.call('/metrics', { headers: admin() })).text;
    for (const secret of [key, stack.adminKey, 'long story', 'warm up', 'alice'])
      expect(text).not.toContain(secret);
  });

  it('carries the request id on every request line and the turn summary, and logs no secret', async () => {
    const accessToken = 'tok-own-secret-0123456789';
    const given = await chat({ prompt: 'traced' }, { 'x-request-id': 'ops-test-req-1' });
    expect(given.headers['x-request-id']).toBe('ops-test-req-1');
    const own = await stack.call(`/api/chat?user=${key}&prompt=mine&access_token=${accessToken}`);
    expect(own.status).toBe(200);
    const bad = await stack.call('/api/chat?user=wrong-key&prompt=x');
    expect(bad.json?.request_id).toBe(bad.headers['x-request-id']);

    const logs = stack.server.logs;
    const turn = logs.find((l) => l.msg === 'turn' && l.reqId === 'ops-test-req-1');
    expect(turn).toMatchObject({
      user_id: 'alice',
      account: expect.any(String),
      model: expect.any(String),
      status: 'complete',
      via: 'api',
      prompt_chars: 'traced'.length,
      reply_chars: expect.any(Number),
      ms: expect.any(Number),
      upstream_ms: expect.any(Number),
    });
    const requestScoped = logs.filter((l) => l.msg === 'request' || l.msg === 'turn');
    expect(requestScoped.length).toBeGreaterThan(10);
    for (const line of requestScoped) expect(line.reqId, JSON.stringify(line)).toEqual(expect.any(String));
    expect(logs.filter((l) => l.msg === 'turn').length).toBe(completes + 2 + 1);
    const text = stack.server.logText();
    for (const secret of [key, stack.adminKey, accessToken]) expect(text).not.toContain(secret);
  });

  it('is not ready when every account is disabled, and ready again after', async () => {
    const pool = stack.server.server.runtime.pool;
    await pool.disable('free-1', 'test');
    await pool.disable('free-2', 'test');
    const down = await stack.call('/readyz');
    expect(down.status).toBe(503);
    expect(down.json).toEqual({ status: 'not_ready', checks: { database: 'ok', accounts: 'none_ready' } });
    expect(sumOf(await scrape(), 'cas_accounts', { state: 'disabled' })).toBe(2);
    await pool.enable('free-1');
    expect((await stack.call('/readyz')).status).toBe(200);
  });
});
