import { describe, expect, it } from 'vitest';
import { createAccountPool, createMemoryPoolState, type PoolLogger } from '../pool/index.js';
import { UpstreamError } from '../upstream/types.js';
import { createAllowList, parseAllowEntry } from './allow-list.js';
import { createMetrics } from './metrics.js';
import { countingPoolLogger, instrumentPool } from './pool.js';
import { hasSample, parsePrometheus, sumOf } from './test-support.js';

const quietLogger: PoolLogger = { info() {}, warn() {}, error() {}, debug() {} };

describe('createMetrics', () => {
  it('counts requests per route pattern, method and status, with latency histograms', async () => {
    const metrics = createMetrics({ processMetrics: false });
    const chat = metrics.route('/api/chat');
    chat.record('GET', 200, 12);
    chat.record('GET', 200, 2500);
    chat.record('POST', 429, 3);
    chat.overhead(1.5);
    metrics.route('/api/chat').record('GET', 200, 1); // a second recorder shares the same series
    const samples = parsePrometheus(await metrics.render());
    expect(
      sumOf(samples, 'cas_http_requests_total', { route: '/api/chat', method: 'GET', status: '200' }),
    ).toBe(3);
    expect(sumOf(samples, 'cas_http_requests_total', { route: '/api/chat', status: '429' })).toBe(1);
    expect(sumOf(samples, 'cas_http_request_duration_seconds_count', { route: '/api/chat' })).toBe(4);
    expect(
      sumOf(samples, 'cas_http_request_duration_seconds_bucket', { route: '/api/chat', le: '0.025' }),
    ).toBe(3);
    expect(
      sumOf(samples, 'cas_http_request_duration_seconds_bucket', { route: '/api/chat', le: '+Inf' }),
    ).toBe(4);
    expect(sumOf(samples, 'cas_http_request_duration_seconds_sum', { route: '/api/chat' })).toBeCloseTo(
      2.516,
      6,
    );
    expect(sumOf(samples, 'cas_gateway_overhead_seconds_count', { route: '/api/chat' })).toBe(1);
    expect(hasSample(samples, 'process_cpu_user_seconds_total')).toBe(false);
  });

  it('counts turns, rate-limit rejections and open streams with bounded labels', async () => {
    const metrics = createMetrics({ processMetrics: false });
    metrics.turn({ account: 'free-1', kind: 'chatgpt', outcome: 'complete', upstreamFirstByteMs: 200 });
    metrics.turn({ account: 'free-1', kind: 'chatgpt', outcome: 'complete', upstreamFirstByteMs: 300 });
    metrics.turn({ account: null, kind: null, outcome: 'error' });
    metrics.rateLimited('daily_quota');
    metrics.streamOpened();
    metrics.streamOpened();
    metrics.streamClosed();
    const samples = parsePrometheus(await metrics.render());
    expect(sumOf(samples, 'cas_turns_total', { account: 'free-1', outcome: 'complete' })).toBe(2);
    expect(sumOf(samples, 'cas_turns_total', { account: 'none', kind: 'none', outcome: 'error' })).toBe(1);
    expect(sumOf(samples, 'cas_upstream_first_byte_seconds_count', { kind: 'chatgpt' })).toBe(2);
    expect(sumOf(samples, 'cas_upstream_first_byte_seconds_sum', { kind: 'chatgpt' })).toBeCloseTo(0.5, 6);
    expect(sumOf(samples, 'cas_rate_limited_total', { reason: 'daily_quota' })).toBe(1);
    expect(sumOf(samples, 'cas_open_streams')).toBe(1);
  });

  it('includes process metrics unless turned off', async () => {
    const samples = parsePrometheus(await createMetrics().render());
    expect(hasSample(samples, 'process_cpu_user_seconds_total')).toBe(true);
    expect(hasSample(samples, 'nodejs_heap_size_used_bytes')).toBe(true);
  });
});

describe('pool metrics', () => {
  const spec = (name: string) => ({
    name,
    kind: 'chatgpt' as const,
    plus: false,
    weight: 1,
    maxConcurrency: 1,
  });

  it('reads account states at scrape time and counts cooldowns from the pool transitions', async () => {
    const metrics = createMetrics({ processMetrics: false });
    const pool = instrumentPool(
      createAccountPool({
        state: createMemoryPoolState(),
        accounts: [spec('a'), spec('b'), spec('c')],
        logger: countingPoolLogger(quietLogger, metrics),
      }),
      metrics,
    );
    const signal = new AbortController().signal;
    const lease = await pool.acquire({ tier: 'free', userPlus: false, stickyAccount: 'a', signal });
    await pool.release(lease, {
      ok: false,
      error: new UpstreamError('rate_limited', 'Too many requests', { retryAfterSeconds: 60 }),
    });
    await pool.disable('b', 'by a test');
    const busy = await pool.acquire({ tier: 'free', userPlus: false, stickyAccount: 'c', signal });

    const samples = parsePrometheus(await metrics.render());
    expect(sumOf(samples, 'cas_account_cooldowns_total', { account: 'a' })).toBe(1);
    expect(sumOf(samples, 'cas_account_ejections_total')).toBe(0);
    expect(sumOf(samples, 'cas_accounts', { state: 'cooling' })).toBe(1);
    expect(sumOf(samples, 'cas_accounts', { state: 'disabled' })).toBe(1);
    expect(sumOf(samples, 'cas_accounts', { state: 'busy' })).toBe(1);
    expect(sumOf(samples, 'cas_accounts', { state: 'ready' })).toBe(0);
    expect(sumOf(samples, 'cas_account_state', { account: 'a', state: 'cooling' })).toBe(1);
    expect(sumOf(samples, 'cas_account_state', { account: 'a' })).toBe(1);
    expect(sumOf(samples, 'cas_account_in_flight', { account: 'c' })).toBe(1);
    expect(sumOf(samples, 'cas_pool_wait_seconds_count', { result: 'acquired' })).toBe(2);
    expect(sumOf(samples, 'cas_pool_waiting')).toBe(0);

    // A request for a busy account waits: the gauge shows it until it is served.
    const waiting = pool.acquire({ tier: 'free', userPlus: false, stickyAccount: 'c', signal });
    await expect.poll(async () => sumOf(parsePrometheus(await metrics.render()), 'cas_pool_waiting')).toBe(1);
    await pool.release(busy, { ok: true });
    await pool.release(await waiting, { ok: true });
    const after = parsePrometheus(await metrics.render());
    expect(sumOf(after, 'cas_pool_waiting')).toBe(0);
    expect(sumOf(after, 'cas_pool_wait_seconds_count', { result: 'acquired' })).toBe(3);
    pool.close();
  });

  it('counts ejections and automatic disables', async () => {
    const metrics = createMetrics({ processMetrics: false });
    const pool = createAccountPool({
      state: createMemoryPoolState(),
      accounts: [spec('a'), spec('b'), spec('c'), spec('d')],
      options: { failuresBeforeEject: 2 },
      logger: countingPoolLogger(quietLogger, metrics),
    });
    const signal = new AbortController().signal;
    for (let i = 0; i < 2; i += 1) {
      const lease = await pool.acquire({ tier: 'free', userPlus: false, stickyAccount: 'a', signal });
      await pool.release(lease, { ok: false, error: new UpstreamError('upstream_error', 'HTTP 500') });
    }
    const lease = await pool.acquire({ tier: 'free', userPlus: false, stickyAccount: 'b', signal });
    await pool.release(lease, { ok: false, error: new UpstreamError('auth_invalid', 'rejected') });
    const samples = parsePrometheus(await metrics.render());
    expect(sumOf(samples, 'cas_account_ejections_total', { account: 'a' })).toBe(1);
    expect(sumOf(samples, 'cas_account_auto_disabled_total', { account: 'b' })).toBe(1);
    pool.close();
  });
});

describe('metrics allow-list', () => {
  it('parses addresses and CIDR ranges and rejects the rest', () => {
    expect(parseAllowEntry('10.0.0.0/8')).toEqual({ address: '10.0.0.0', prefix: 8, family: 'ipv4' });
    expect(parseAllowEntry('::1')).toEqual({ address: '::1', prefix: 128, family: 'ipv6' });
    for (const bad of ['10.0.0.0/33', 'example.com', '10.0.0.1/8/2', '10.0.0/8', '::1/abc', ''])
      expect(parseAllowEntry(bad)).toBeUndefined();
  });

  it('matches clients, including IPv4 seen through a dual-stack socket', () => {
    const allowed = createAllowList(['127.0.0.1', '10.1.0.0/16', 'fd00::/8']);
    expect(allowed('127.0.0.1')).toBe(true);
    expect(allowed('::ffff:127.0.0.1')).toBe(true);
    expect(allowed('10.1.200.3')).toBe(true);
    expect(allowed('10.2.0.1')).toBe(false);
    expect(allowed('fd12::1')).toBe(true);
    expect(allowed('::1')).toBe(false);
    expect(createAllowList([])('127.0.0.1')).toBe(false);
  });
});
