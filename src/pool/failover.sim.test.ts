/** Failover and health with the REAL providers and token service against the simulator's faults. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startUpstreamSim } from '../../test/upstream-sim/index.js';
import type { UpstreamSim } from '../../test/upstream-sim/index.js';
import type { AccountConfig } from '../config/types.js';
import { isUpstreamError } from '../upstream/types.js';
import type { UpstreamError } from '../upstream/types.js';
import { createSimPool } from './test-support.js';
import type { SimPool, SimPoolInput } from './test-support.js';
import type { AccountView } from './types.js';

let sim: UpstreamSim;
let harness: SimPool | undefined;
let counter = 0;

beforeAll(async () => {
  sim = await startUpstreamSim({ replyChunks: 6 });
});
afterEach(async () => {
  await harness?.close();
  harness = undefined;
  sim.setOptions({ chunkDelayMs: 0 });
});
afterAll(async () => {
  await sim.close();
});

interface Made {
  accounts: AccountConfig[];
  h: SimPool;
}

/** `count` free ChatGPT accounts (the first one optionally with a session token) and a pool over them. */
function setup(
  count: number,
  extra: Omit<SimPoolInput, 'sim' | 'accounts'> & { sessionOnFirst?: boolean } = {},
): Made {
  const accounts = Array.from({ length: count }, (_, index): AccountConfig => {
    counter += 1;
    const accessToken = `failover-token-${counter}-${Date.now()}`;
    const sessionToken =
      index === 0 && extra.sessionOnFirst ? `failover-session-${counter}-0123456789` : undefined;
    sim.addAccount({ accessToken, ...(sessionToken ? { sessionToken } : {}) });
    return {
      name: `acct-${counter}`,
      kind: 'chatgpt',
      plus: false,
      access_token: accessToken,
      ...(sessionToken ? { session_token: sessionToken } : {}),
      max_concurrency: 1,
      weight: 1,
    };
  });
  harness = createSimPool({ sim, accounts, options: extra.options, timeouts: extra.timeouts });
  return { accounts, h: harness };
}

async function view(h: SimPool, name: string): Promise<AccountView> {
  const found = (await h.pool.snapshot()).find((entry) => entry.name === name);
  if (!found) throw new Error(`no account ${name}`);
  return found;
}

const token = (account: AccountConfig | undefined): string => account?.access_token ?? '';

describe('failover against the simulator', () => {
  it('rate limit: cools the account for Retry-After and moves on; 429 once every account is cooling', async () => {
    const { accounts, h } = setup(2);
    const [a, b] = accounts;
    sim.setFault(token(a), { type: 'rate_limit', retryAfter: 30 });
    const result = await h.run({}, 'hello');
    expect(result.error).toBeUndefined();
    expect(result.accounts).toEqual([a?.name, b?.name]);
    expect(await view(h, a?.name ?? '')).toMatchObject({ status: 'cooling', until: h.clock.now() + 30_000 });

    sim.setFault(token(b), { type: 'rate_limit', clearsIn: 90 });
    const refused = await h.run({}, 'hello again');
    expect(refused.error).toMatchObject({ status: 429, code: 'rate_limited', retryAfterSeconds: 30 });
    h.clock.advance(30_000);
    sim.setFault(token(a), null);
    expect((await h.run({}, 'later')).accounts).toEqual([a?.name]);
  });

  it('expired token with a session token: refreshed and retried once on the same account', async () => {
    const { accounts, h } = setup(2, { sessionOnFirst: true });
    const [a] = accounts;
    sim.expireToken(token(a));
    const since = sim.log.length;
    const result = await h.run({}, 'hello');
    expect(result.error).toBeUndefined();
    expect(result.accounts).toEqual([a?.name]);
    expect(sim.log.slice(since).some((entry) => entry.path === '/api/auth/session')).toBe(true);
    expect(await view(h, a?.name ?? '')).toMatchObject({ status: 'ready', failed: 0 });
  });

  it('expired token without anything to refresh it: account disabled with its reason, next account used', async () => {
    const { accounts, h } = setup(2);
    const [a, b] = accounts;
    sim.expireToken(token(a));
    const result = await h.run({}, 'hello');
    expect(result.error).toBeUndefined();
    expect(result.accounts).toEqual([a?.name, b?.name]);
    const disabled = await view(h, a?.name ?? '');
    expect(disabled).toMatchObject({
      status: 'disabled',
      reason: expect.stringContaining('could not be refreshed'),
    });
    expect(JSON.stringify(disabled)).not.toContain(token(a));
  });

  it('cloudflare challenge: account cooled down, next account tried', async () => {
    const { accounts, h } = setup(2);
    const [a, b] = accounts;
    sim.setFault(token(a), { type: 'cloudflare' });
    const result = await h.run({}, 'hello');
    expect(result.accounts).toEqual([a?.name, b?.name]);
    expect(result.error).toBeUndefined();
    expect(await view(h, a?.name ?? '')).toMatchObject({ status: 'cooling' });
  });

  it('"only one message at a time": counts as busy, not as a failure; next account used', async () => {
    const { accounts, h } = setup(2);
    const [a, b] = accounts;
    sim.setFault(token(a), { type: 'busy' }, 1);
    const result = await h.run({}, 'hello');
    expect(result.accounts).toEqual([a?.name, b?.name]);
    expect(await view(h, a?.name ?? '')).toMatchObject({
      status: 'ready',
      failed: 0,
      consecutiveFailures: 0,
    });
  });

  it('500 five times: ejected with growing backoff, back by timer, never the whole tier', async () => {
    const { accounts, h } = setup(3, {
      options: { ejectBaseMs: 5000, failuresBeforeEject: 3, maxEjectShare: 0.5 },
    });
    const [a, b] = accounts;
    const name = a?.name ?? '';
    sim.setFault(token(a), { type: 'server_error' }, 5);
    for (let i = 0; i < 9; i += 1) expect((await h.run({}, `turn ${i}`)).error).toBeUndefined();
    expect(await view(h, name)).toMatchObject({
      status: 'ejected',
      ejectionCount: 1,
      until: h.clock.now() + 5000,
    });

    // A second account failing too may not be ejected: at most floor(3 * 0.5) = 1 of the tier.
    sim.setFault(token(b), { type: 'server_error' });
    for (let i = 0; i < 6; i += 1) await h.run({}, `noise ${i}`);
    expect((await view(h, b?.name ?? '')).status).not.toBe('ejected');
    sim.setFault(token(b), null);

    h.clock.advance(5000);
    while ((await view(h, name)).status !== 'ejected') await h.run({}, 'probe');
    expect(await view(h, name)).toMatchObject({ ejectionCount: 2, until: h.clock.now() + 10_000 });
    h.clock.advance(10_000);
    while ((await view(h, name)).status !== 'ejected') await h.run({}, 'probe');
    expect(await view(h, name)).toMatchObject({ ejectionCount: 3, until: h.clock.now() + 20_000 });
    h.clock.advance(20_000);
    let served = false;
    for (let i = 0; i < 3 && !served; i += 1) served = (await h.run({}, 'recovered')).accounts.includes(name);
    expect(await view(h, name)).toMatchObject({ status: 'ready', ejectionCount: 0, consecutiveFailures: 0 });
  });

  it('a light probe (the model list) brings an ejected account back after its timer', async () => {
    const { accounts, h } = setup(3, { options: { ejectBaseMs: 5000, failuresBeforeEject: 1 } });
    const [a] = accounts;
    const name = a?.name ?? '';
    sim.setFault(token(a), { type: 'server_error', status: 502 }, 1);
    expect((await h.run({}, 'hello')).accounts).toEqual([name, accounts[1]?.name]);
    expect((await view(h, name)).status).toBe('ejected');
    expect(await h.pool.probeRecovering(h.probe)).toEqual([]);
    h.clock.advance(5000);
    const since = sim.log.length;
    expect(await h.pool.probeRecovering(h.probe)).toEqual([name]);
    expect(sim.log.slice(since).map((entry) => `${entry.method} ${entry.path}`)).toEqual([
      'GET /backend-api/models',
    ]);
    expect(await view(h, name)).toMatchObject({ status: 'ready', ejectionCount: 0, inFlight: 0 });
  });

  it('upstream that never answers: first-byte timeout, then failover before any byte', async () => {
    const { accounts, h } = setup(2, { timeouts: { firstByteMs: 1000, idleMs: 1000 } });
    const [a, b] = accounts;
    sim.setFault(token(a), { type: 'hang' }, 1);
    const result = await h.run({}, 'hello');
    expect(result.error).toBeUndefined();
    expect(result.accounts).toEqual([a?.name, b?.name]);
    expect(result.text.length).toBeGreaterThan(0);
    expect(await view(h, a?.name ?? '')).toMatchObject({
      consecutiveFailures: 1,
      lastError: expect.stringContaining('timeout'),
    });
  });

  it('no failover after the first byte: the error is marked and the partial reply kept', async () => {
    const { accounts, h } = setup(2);
    const [a] = accounts;
    sim.setFault(token(a), { type: 'reset_mid_stream', afterChunks: 2 }, 1);
    const result = await h.run({}, 'hello');
    expect(result.accounts).toEqual([a?.name]);
    expect(result.text.length).toBeGreaterThan(0);
    expect(isUpstreamError(result.error)).toBe(true);
    expect((result.error as UpstreamError).afterFirstByte).toBe(true);
    const after = await view(h, a?.name ?? '');
    expect(after).toMatchObject({ inFlight: 0, failed: 1 });
  });

  it('releases the account when the caller stops iterating, without blaming it', async () => {
    const { accounts, h } = setup(1);
    const name = accounts[0]?.name ?? '';
    const seen: string[] = [];
    for await (const event of h.stream({}, 'long answer')) {
      seen.push(event.type);
      if (event.type === 'delta') break;
    }
    expect(seen).toContain('account');
    expect(await view(h, name)).toMatchObject({ inFlight: 0, failed: 0, served: 0, status: 'ready' });
    expect((await h.run({}, 'next')).accounts).toEqual([name]);
  });

  it('releases the account when the request is aborted mid-stream', async () => {
    const { accounts, h } = setup(1);
    sim.setOptions({ chunkDelayMs: 20 });
    const controller = new AbortController();
    const events: string[] = [];
    let error: unknown;
    try {
      for await (const event of h.stream({ signal: controller.signal }, 'long answer')) {
        events.push(event.type);
        if (event.type === 'delta') controller.abort();
      }
    } catch (thrown) {
      error = thrown;
    }
    expect(isUpstreamError(error) && error.kind).toBe('cancelled');
    expect(events.filter((type) => type === 'account')).toHaveLength(1);
    expect(await view(h, accounts[0]?.name ?? '')).toMatchObject({ inFlight: 0, failed: 0, status: 'ready' });
  });
});
