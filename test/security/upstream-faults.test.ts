/**
 * Rows 20–29: upstream faults from the simulator and from the fault-injecting TCP proxy, seen
 * end to end through our server.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AppConfig } from '../../src/config/types.js';
import { testConfig } from '../helpers/config.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { startStack, type Stack, type StackAccount } from '../helpers/stack.js';
import type { SimOptions } from '../upstream-sim/index.js';
import { deltaText, readStream } from './sse.js';

const FAST_TIMEOUTS = {
  ...testConfig({ dataDir: '' }).limits,
  upstream_first_byte_timeout_ms: 1000,
  upstream_idle_timeout_ms: 1000,
  upstream_connect_timeout_ms: 1000,
};

describe('security: upstream faults (rows 20–29)', () => {
  let stack: Stack | undefined;
  const proxies: FaultProxy[] = [];
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
    for (const proxy of proxies.splice(0)) await proxy.close();
  });

  async function setup(accounts: StackAccount[], sim?: SimOptions, config?: Partial<AppConfig>) {
    stack = await startStack({ accounts, sim, config: { limits: FAST_TIMEOUTS, ...config } });
    const key = await stack.addUser('alice');
    return { stack, key };
  }
  const accountView = async (s: Stack, name: string) => {
    const res = await s.call('/api/admin/accounts', { headers: { authorization: `Bearer ${s.adminKey}` } });
    return (res.json?.accounts as Record<string, unknown>[]).find((a) => a.name === name);
  };
  const turnsOf = async (s: Stack, conversationId: string) =>
    s.server.server.store.turns.listForConversation(conversationId);
  const proxyTo = async (target: string) => {
    const proxy = await startFaultProxy({ target });
    proxies.push(proxy);
    return proxy;
  };

  it('row 20: a 429 with Retry-After: 30 cools that account ~30 s and the request moves on; 429 only when all cool', async () => {
    const { stack: s, key } = await setup([{ name: 'a' }, { name: 'b' }]);
    s.sim.setFault(s.secretOf('a'), { type: 'rate_limit', retryAfter: 30 });
    const served = [];
    for (let i = 0; i < 3; i += 1) {
      const res = await s.call(`/api/chat?user=${key}&prompt=r${i}`);
      expect(res.status).toBe(200);
      served.push(res.json?.account);
    }
    expect(served).toEqual(['b', 'b', 'b']);
    const a = await accountView(s, 'a');
    expect(a?.status).toBe('cooling');
    const left = (Number(a?.until) - Date.now()) / 1000;
    expect(left).toBeGreaterThan(20);
    expect(left).toBeLessThanOrEqual(31);
    s.sim.setFault(s.secretOf('b'), { type: 'rate_limit', clearsIn: 40 });
    const refused = await s.call(`/api/chat?user=${key}&prompt=all%20cooling`);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('row 21: an expired token is refreshed from stored credentials and retried once; if that fails the account is disabled with its reason', async () => {
    const { stack: s, key } = await setup([
      { name: 'renewable', overrides: { session_token: 'sess-renewable' } },
      { name: 'stuck' },
    ]);
    s.sim.addAccount({ accessToken: 'tok-renewable', sessionToken: 'sess-renewable' });
    s.sim.expireToken('tok-renewable');
    s.sim.expireToken('tok-stuck');
    const accounts: unknown[] = [];
    for (let i = 0; i < 3; i += 1) {
      const res = await s.call(`/api/chat?user=${key}&prompt=t${i}`);
      expect(res.status).toBe(200);
      accounts.push(res.json?.account);
    }
    expect(new Set(accounts)).toEqual(new Set(['renewable']));
    expect(s.sim.log.some((l) => l.path.startsWith('/api/auth/session'))).toBe(true);
    const stuck = await accountView(s, 'stuck');
    expect(stuck?.status).toBe('disabled');
    expect(String(stuck?.reason)).toMatch(/token|expired|credential/i);
    expect(JSON.stringify(stuck)).not.toContain('tok-stuck');
  });

  it('row 22: a Cloudflare page or "unusual activity" is classified, the account cooled, the next tried', async () => {
    const { stack: s, key } = await setup([{ name: 'a' }, { name: 'b' }, { name: 'c' }]);
    s.sim.setFault(s.secretOf('a'), { type: 'cloudflare' });
    s.sim.setFault(s.secretOf('b'), { type: 'unusual_activity' });
    for (let i = 0; i < 3; i += 1) {
      const res = await s.call(`/api/chat?user=${key}&prompt=c${i}`);
      expect(res.status).toBe(200);
      expect(res.json?.account).toBe('c');
    }
    for (const name of ['a', 'b']) {
      const view = await accountView(s, name);
      expect(['cooling', 'ejected']).toContain(view?.status);
      expect(String(view?.lastError ?? view?.reason)).not.toMatch(/<html|tok-/i);
    }
  });

  it('row 23: "only one message at a time" counts as busy, not a failure; the next account serves', async () => {
    const { stack: s, key } = await setup([{ name: 'a' }, { name: 'b' }]);
    s.sim.setFault(s.secretOf('a'), { type: 'busy' });
    for (let i = 0; i < 2; i += 1) {
      const res = await s.call(`/api/chat?user=${key}&prompt=b${i}`);
      expect(res.status).toBe(200);
      expect(res.json?.account).toBe('b');
    }
    const a = await accountView(s, 'a');
    expect(a?.status).not.toBe('ejected');
    expect(a?.status).not.toBe('disabled');
  });

  it('row 24: 500 five times ejects that account; the pool as a whole is never ejected', async () => {
    const { stack: s, key } = await setup([{ name: 'a' }, { name: 'b' }]);
    s.sim.setFault(s.secretOf('a'), { type: 'server_error' }, 5);
    for (let i = 0; i < 6; i += 1)
      expect((await s.call(`/api/chat?user=${key}&prompt=e${i}`)).status).toBe(200);
    const a = await accountView(s, 'a');
    expect(a?.status).toBe('ejected');
    expect(Number(a?.until)).toBeGreaterThan(Date.now());
    // Now the last account fails too: it answers errors, but stays in the pool and serves once healthy.
    s.sim.setFault(s.secretOf('b'), { type: 'server_error' }, 6);
    for (let i = 0; i < 6; i += 1)
      expect((await s.call(`/api/chat?user=${key}&prompt=f${i}`)).status).toBeGreaterThanOrEqual(500);
    expect((await accountView(s, 'b'))?.status).not.toBe('ejected');
    const healthy = await s.call(`/api/chat?user=${key}&prompt=healthy`);
    expect(healthy.status).toBe(200);
  });

  it('row 25: a SOCKS5 proxy that refuses or hangs counts against its account; failover; a clear error naming it', async () => {
    const refusing = await proxyTo('http://127.0.0.1:9');
    refusing.setMode({ type: 'refuse' });
    const hanging = await proxyTo('http://127.0.0.1:9');
    hanging.setMode({ type: 'hang' });
    const { stack: s, key } = await setup([
      { name: 'via-refusing', overrides: { proxy: `socks5://127.0.0.1:${refusing.port}` } },
      { name: 'via-hanging', overrides: { proxy: `socks5://127.0.0.1:${hanging.port}` } },
      { name: 'direct' },
    ]);
    for (let i = 0; i < 3; i += 1) {
      const res = await s.call(`/api/chat?user=${key}&prompt=p${i}`);
      expect(res.status).toBe(200);
      expect(res.json?.account).toBe('direct');
    }
    expect(refusing.accepted()).toBeGreaterThan(0);
    expect(hanging.accepted()).toBeGreaterThan(0);
    expect((await accountView(s, 'via-refusing'))?.failed).toBeGreaterThan(0);
    expect((await accountView(s, 'via-hanging'))?.failed).toBeGreaterThan(0);
    // With only the broken accounts left, the error names an account and no credential.
    await s.call('/api/admin/accounts/direct/disable', {
      method: 'POST',
      headers: { authorization: `Bearer ${s.adminKey}` },
    });
    await s.call('/api/admin/accounts/via-refusing/reset-cooldown', {
      method: 'POST',
      headers: { authorization: `Bearer ${s.adminKey}` },
    });
    await s.call('/api/admin/accounts/via-hanging/reset-cooldown', {
      method: 'POST',
      headers: { authorization: `Bearer ${s.adminKey}` },
    });
    const failed = await s.call(`/api/chat?user=${key}&prompt=nothing%20left`);
    expect(failed.status).toBeGreaterThanOrEqual(500);
    expect(failed.text).toMatch(/via-(refusing|hanging)|account/);
    expect(failed.text).not.toContain('tok-via');
  });

  it('row 26: an upstream that accepts TCP but never answers: first-byte timeout, failover, no byte sent before', async () => {
    const { stack: s, key } = await setup([{ name: 'talking', kind: 'openai' }]);
    const hang = await proxyTo(s.sim.url);
    hang.setMode({ type: 'hang' });
    s.sim.addApiKey('sk-sim-silent');
    const added = await s.call('/api/admin/accounts', {
      json: { name: 'silent', kind: 'openai', api_key: 'sk-sim-silent', base_url: `${hang.url}/v1` },
      headers: { authorization: `Bearer ${s.adminKey}` },
    });
    expect(added.status).toBe(200);
    for (let i = 0; i < 3; i += 1) {
      const stream = await readStream(
        `${s.url}/api/chat?user=${key}&prompt=quiet${i}&stream=true&model=gpt-4o-mini`,
      );
      expect(stream.status).toBe(200);
      expect(stream.events.some((e) => e.type === 'error')).toBe(false);
      expect(stream.events.at(-1)).toMatchObject({ type: 'done', account: 'talking' });
    }
    expect(hang.accepted()).toBeGreaterThan(0);
    expect((await accountView(s, 'silent'))?.lastError).toMatch(/time/i);
  });

  it('row 27: a stall mid-stream ends with an error event after the idle timeout; partial reply stored incomplete; no retry', async () => {
    const { stack: s, key } = await setup([{ name: 'a' }, { name: 'b' }], { replyChunks: 8 });
    s.sim.setFault(s.secretOf('a'), { type: 'stall_mid_stream', afterChunks: 2 });
    s.sim.setFault(s.secretOf('b'), { type: 'stall_mid_stream', afterChunks: 2 });
    const before = s.sim.log.filter((l) => l.path.endsWith('/conversation')).length;
    const stream = await readStream(`${s.url}/api/chat?user=${key}&prompt=stall&stream=true`);
    expect(stream.status).toBe(200);
    const start = stream.events.find((e) => e.type === 'start');
    expect(deltaText(stream.events).length).toBeGreaterThan(0);
    expect(stream.events.at(-1)).toMatchObject({ type: 'error', code: 'upstream_timeout' });
    expect(s.sim.log.filter((l) => l.path.endsWith('/conversation')).length - before).toBe(1);
    const [turn] = await turnsOf(s, start?.conversation_id as string);
    expect(turn).toMatchObject({ status: 'incomplete', reply: deltaText(stream.events) });
  });

  it('row 27: a reset mid-stream (fault proxy) ends with an error event, stores the partial reply, and no retry', async () => {
    const { stack: s, key } = await setup([{ name: 'x', kind: 'openai' }], {
      chunkDelayMs: 20,
      replyChunks: 12,
    });
    const reset = await proxyTo(s.sim.url);
    s.sim.addApiKey('sk-sim-reset');
    await s.call('/api/admin/accounts', {
      json: { name: 'resetting', kind: 'openai', api_key: 'sk-sim-reset', base_url: `${reset.url}/v1` },
      headers: { authorization: `Bearer ${s.adminKey}` },
    });
    await s.call('/api/admin/accounts/x/disable', {
      method: 'POST',
      headers: { authorization: `Bearer ${s.adminKey}` },
    });
    reset.setMode({ type: 'reset', afterBytes: 1500 });
    const stream = await readStream(
      `${s.url}/api/chat?user=${key}&prompt=reset%20me&stream=true&model=gpt-4o-mini`,
    );
    expect(reset.accepted()).toBe(1); // no silent retry
    // 1 500 bytes carry the headers and a few chunks: the client got a start and some text.
    expect(stream.status).toBe(200);
    expect(deltaText(stream.events).length).toBeGreaterThan(0);
    expect(stream.events.at(-1)).toMatchObject({ type: 'error' });
    const start = stream.events.find((e) => e.type === 'start');
    const [turn] = await turnsOf(s, start?.conversation_id as string);
    expect(turn).toMatchObject({ status: 'incomplete', reply: deltaText(stream.events) });
  });

  it('row 28: a malformed SSE chunk is an upstream error; the process keeps serving', async () => {
    const { stack: s, key } = await setup([{ name: 'a' }]);
    s.sim.setFault(s.secretOf('a'), { type: 'malformed_chunk', afterChunks: 2 }, 1);
    const stream = await readStream(`${s.url}/api/chat?user=${key}&prompt=garbled&stream=true`);
    expect(stream.events.at(-1)).toMatchObject({ type: 'error' });
    const after = await s.call(`/api/chat?user=${key}&prompt=fine`);
    expect(after.status).toBe(200);
  });

  it('row 29: a client leaving after 2 chunks aborts the upstream at once, releases the account, stores the turn cancelled', async () => {
    const { stack: s, key } = await setup([{ name: 'only' }], { chunkDelayMs: 100, replyChunks: 30 });
    const abortedBefore = s.sim.aborted;
    const stream = await readStream(
      `${s.url}/api/chat?user=${key}&prompt=leave%20early&stream=true`,
      (_e, all) => all.filter((e) => e.type === 'delta').length >= 2,
    );
    expect(stream.hungUp).toBe(true);
    const start = stream.events.find((e) => e.type === 'start');
    const deadline = Date.now() + 5000;
    while (s.sim.aborted === abortedBefore && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    expect(s.sim.aborted).toBe(abortedBefore + 1);
    // The only account (one turn at a time) is free again for the next request.
    const next = await s.call(`/api/chat?user=${key}&prompt=next`);
    expect(next.status).toBe(200);
    const [turn] = await turnsOf(s, start?.conversation_id as string);
    expect(turn?.status).toBe('cancelled');
  });
});
