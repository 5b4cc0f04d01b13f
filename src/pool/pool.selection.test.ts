import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { UpstreamError } from '../upstream/types.js';
import { chatgptAccount, never, testPool } from './test-support.js';
import type { AccountPool } from './pool.js';
import type { AcquireRequest } from './types.js';

const free = (extra: Partial<AcquireRequest> = {}): AcquireRequest => ({
  tier: 'free',
  userPlus: false,
  signal: never(),
  ...extra,
});

async function serveSequentially(
  pool: AccountPool,
  count: number,
  request: AcquireRequest,
): Promise<string[]> {
  const served: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const lease = await pool.acquire(request);
    served.push(lease.account.name);
    await pool.release(lease, { ok: true });
  }
  return served;
}

const tally = (names: string[]): Record<string, number> =>
  names.reduce<Record<string, number>>((acc, name) => ({ ...acc, [name]: (acc[name] ?? 0) + 1 }), {});

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof AppError)) throw new Error(`expected an AppError, got ${String(error)}`);
  return error;
}

describe('account pool: round-robin', () => {
  it('serves 300 requests over 3 equal accounts exactly 100 each, in rotation', async () => {
    const { pool } = testPool([chatgptAccount('a'), chatgptAccount('b'), chatgptAccount('c')]);
    const served = await serveSequentially(pool, 300, free());
    expect(tally(served)).toEqual({ a: 100, b: 100, c: 100 });
    expect(served.slice(0, 6)).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
    const views = await pool.snapshot();
    expect(views.map((v) => v.served)).toEqual([100, 100, 100]);
  });

  it('honours weights smoothly and exactly', async () => {
    const { pool } = testPool([
      chatgptAccount('a', { weight: 1 }),
      chatgptAccount('b', { weight: 2 }),
      chatgptAccount('c', { weight: 3 }),
    ]);
    const served = await serveSequentially(pool, 600, free());
    expect(tally(served)).toEqual({ a: 100, b: 200, c: 300 });
    // Smooth: every window of one full cycle (6) has the exact shares, so c never runs 3 times in a row.
    for (let start = 0; start + 6 <= served.length; start += 6) {
      expect(tally(served.slice(start, start + 6))).toEqual({ a: 1, b: 2, c: 3 });
    }
    expect(served.join('')).not.toContain('ccc');
  });

  it('keeps one rotation per tier', async () => {
    const { pool } = testPool([
      chatgptAccount('f1'),
      chatgptAccount('f2'),
      chatgptAccount('p1', { plus: true }),
      chatgptAccount('p2', { plus: true }),
    ]);
    const plus = { tier: 'plus', userPlus: true, signal: never() } as const;
    expect(await serveSequentially(pool, 1, free())).toEqual(['f1']);
    expect(await serveSequentially(pool, 2, plus)).toEqual(['p1', 'p2']);
    expect(await serveSequentially(pool, 1, free())).toEqual(['f2']);
    const any = await serveSequentially(pool, 40, { tier: 'any', userPlus: true, signal: never() });
    expect(tally(any)).toEqual({ f1: 10, f2: 10, p1: 10, p2: 10 });
  });

  it('filters by kind and model', async () => {
    const { pool } = testPool([
      chatgptAccount('web'),
      { name: 'api', kind: 'openai', plus: false, weight: 1, maxConcurrency: 4, models: ['gpt-4o-mini'] },
    ]);
    expect(await serveSequentially(pool, 3, free({ kinds: ['openai'] }))).toEqual(['api', 'api', 'api']);
    expect(await serveSequentially(pool, 2, free({ model: 'o3' }))).toEqual(['web', 'web']);
    const error = await rejection(pool.acquire(free({ kinds: ['openai'], model: 'o3' })));
    expect(error.status).toBe(503);
    expect(error.message).toContain('openai');
  });
});

describe('account pool: plus permission', () => {
  const accounts = [chatgptAccount('free1'), chatgptAccount('plus1', { plus: true })];

  it('refuses plus=true for a user without plus before touching any account', async () => {
    const { pool } = testPool(accounts);
    const error = await rejection(pool.acquire({ tier: 'plus', userPlus: false, signal: never() }));
    expect(error.status).toBe(403);
    expect(error.code).toBe('plus_not_allowed');
    expect((await pool.snapshot()).every((view) => view.inFlight === 0)).toBe(true);
  });

  it('gives a user without plus only free accounts for plus=any', async () => {
    const { pool } = testPool(accounts);
    const served = await serveSequentially(pool, 10, { tier: 'any', userPlus: false, signal: never() });
    expect(new Set(served)).toEqual(new Set(['free1']));
  });

  it('refuses a follow-up on a plus account for a user without plus', async () => {
    const { pool } = testPool(accounts);
    const error = await rejection(pool.acquire(free({ tier: 'any', stickyAccount: 'plus1' })));
    expect(error.code).toBe('plus_not_allowed');
  });
});

describe('account pool: empty and unavailable tiers', () => {
  it('names the tier when none is configured', async () => {
    const { pool } = testPool([chatgptAccount('a')]);
    const error = await rejection(pool.acquire({ tier: 'plus', userPlus: true, signal: never() }));
    expect(error.status).toBe(503);
    expect(error.code).toBe('no_account_available');
    expect(error.message).toContain('plus tier');
  });

  it('answers 429 with Retry-After when every account is cooling after a rate limit', async () => {
    const { pool, clock } = testPool([chatgptAccount('a'), chatgptAccount('b')]);
    for (const seconds of [30, 90]) {
      const lease = await pool.acquire(free());
      const error = new UpstreamError('rate_limited', 'Too many requests', { retryAfterSeconds: seconds });
      await pool.release(lease, { ok: false, error });
    }
    clock.advance(10_000);
    const error = await rejection(pool.acquire(free()));
    expect(error.status).toBe(429);
    expect(error.code).toBe('rate_limited');
    expect(error.retryAfterSeconds).toBe(20);
    expect(error.message).toContain('free tier');
    expect(error.message).toContain(new Date(clock.now() + 20_000).toISOString());
  });

  it('answers 503 naming when the first is back when cooling for other reasons', async () => {
    const { pool } = testPool([chatgptAccount('a'), chatgptAccount('b')]);
    let lease = await pool.acquire(free());
    await pool.release(lease, {
      ok: false,
      error: new UpstreamError('rate_limited', 'x', { retryAfterSeconds: 60 }),
    });
    lease = await pool.acquire(free());
    await pool.release(lease, {
      ok: false,
      error: new UpstreamError('upstream_challenge', 'Just a moment...'),
    });
    const error = await rejection(pool.acquire(free()));
    expect(error.status).toBe(503);
    expect(error.code).toBe('no_account_available');
    expect(error.retryAfterSeconds).toBe(60);
  });

  it('answers 503 without Retry-After when every account is disabled', async () => {
    const { pool } = testPool([chatgptAccount('a')]);
    await pool.disable('a', 'maintenance');
    const error = await rejection(pool.acquire(free()));
    expect(error.status).toBe(503);
    expect(error.retryAfterSeconds).toBeUndefined();
    expect(error.message).toContain('disabled');
  });

  it('reports all_tried when every usable account was excluded', async () => {
    const { pool } = testPool([chatgptAccount('a'), chatgptAccount('b')]);
    const error = await rejection(pool.acquire(free({ exclude: ['a', 'b'] })));
    expect(error.details).toMatchObject({ reason: 'all_tried' });
    const lease = await pool.acquire(free({ exclude: ['a'] }));
    expect(lease.account.name).toBe('b');
  });
});
