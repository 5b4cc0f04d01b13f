import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { isUpstreamError, UpstreamError } from '../upstream/types.js';
import { chatgptAccount, never, testPool } from './test-support.js';
import type { Lease } from './types.js';

const request = { tier: 'free', userPlus: false, signal: never() } as const;

async function settled<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  return promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}

/** Resolves true when the promise settles within `ms` (a bounded wait, not a timing assertion). */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const done = promise.then(
    () => true,
    () => true,
  );
  const result = await Promise.race([done, timeout]);
  clearTimeout(timer);
  return result;
}

describe('account pool: concurrency and queue', () => {
  it('skips a busy account', async () => {
    const { pool } = testPool([chatgptAccount('a'), chatgptAccount('b'), chatgptAccount('c')]);
    const held = await Promise.all([1, 2, 3].map(() => pool.acquire(request)));
    expect(held.map((lease) => lease.account.name).sort()).toEqual(['a', 'b', 'c']);
    await pool.release(held[1]!, { ok: true });
    const next = await pool.acquire(request);
    expect(next.account.name).toBe('b');
  });

  it('queues when every account is busy and wakes the first waiter on release', async () => {
    const { pool } = testPool([chatgptAccount('a'), chatgptAccount('b')], { queueTimeoutMs: 10_000 });
    const [first, second] = await Promise.all([pool.acquire(request), pool.acquire(request)]);
    const waiting1 = pool.acquire(request);
    const waiting2 = pool.acquire(request);
    expect(await settlesWithin(waiting1, 50)).toBe(false);
    await pool.release(second!, { ok: true });
    const lease1 = await waiting1;
    expect(lease1.account.name).toBe(second!.account.name);
    expect(await settlesWithin(waiting2, 50)).toBe(false);
    await pool.release(first!, { ok: true });
    expect((await waiting2).account.name).toBe(first!.account.name);
  });

  it('gives 503 with Retry-After when the wait times out', async () => {
    const { pool } = testPool([chatgptAccount('a')], { queueTimeoutMs: 50 });
    const held = await pool.acquire(request);
    const { error } = await settled(pool.acquire(request));
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ status: 503, code: 'all_accounts_busy' });
    expect((error as AppError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    await pool.release(held, { ok: true });
    // The timed-out waiter must not have taken the account.
    expect((await pool.acquire(request)).account.name).toBe('a');
  });

  it('refuses at once when the queue is full', async () => {
    const { pool } = testPool([chatgptAccount('a')], { queueMax: 1, queueTimeoutMs: 10_000 });
    const held = await pool.acquire(request);
    const waiting = pool.acquire(request);
    const { error } = await settled(pool.acquire(request));
    expect(error).toMatchObject({ status: 503, code: 'all_accounts_busy' });
    await pool.release(held, { ok: true });
    expect((await waiting).account.name).toBe('a');
  });

  it('stops waiting when the request is aborted', async () => {
    const { pool } = testPool([chatgptAccount('a')], { queueTimeoutMs: 10_000 });
    const held = await pool.acquire(request);
    const controller = new AbortController();
    const waiting = settled(pool.acquire({ ...request, signal: controller.signal }));
    controller.abort();
    const { error } = await waiting;
    expect(isUpstreamError(error) && error.kind).toBe('cancelled');
    await pool.release(held, { ok: true });
    expect((await pool.snapshot())[0]?.inFlight).toBe(0);
  });

  it('fails a waiter at once when the accounts start cooling meanwhile', async () => {
    const { pool } = testPool([chatgptAccount('a')], { queueTimeoutMs: 10_000 });
    const held = await pool.acquire(request);
    const waiting = settled(pool.acquire(request));
    await pool.release(held, {
      ok: false,
      error: new UpstreamError('rate_limited', 'slow down', { retryAfterSeconds: 30 }),
    });
    const { error } = await waiting;
    expect(error).toMatchObject({ status: 429, retryAfterSeconds: 30 });
  });

  it('lets a lease expire after its TTL, so a crashed holder cannot keep an account', async () => {
    const { pool, clock } = testPool([chatgptAccount('a')], { leaseTtlMs: 1000, queueTimeoutMs: 50 });
    await pool.acquire(request);
    expect((await settled(pool.acquire(request))).error).toMatchObject({ code: 'all_accounts_busy' });
    clock.advance(1001);
    expect((await pool.acquire(request)).account.name).toBe('a');
  });

  it('rejects waiters on close', async () => {
    const { pool } = testPool([chatgptAccount('a')], { queueTimeoutMs: 10_000 });
    await pool.acquire(request);
    const waiting = settled(pool.acquire(request));
    pool.close();
    expect((await waiting).error).toMatchObject({ status: 503, code: 'shutting_down' });
  });
});

describe('account pool: sticky follow-ups', () => {
  it('continues on the account that started the conversation', async () => {
    const { pool } = testPool([chatgptAccount('a'), chatgptAccount('b'), chatgptAccount('c')]);
    for (let i = 0; i < 4; i += 1) {
      const lease = await pool.acquire({ ...request, stickyAccount: 'c' });
      expect(lease.account.name).toBe('c');
      await pool.release(lease, { ok: true });
    }
  });

  it('waits while the sticky account is busy', async () => {
    const { pool } = testPool([chatgptAccount('a'), chatgptAccount('b')], { queueTimeoutMs: 10_000 });
    const held = await pool.acquire({ ...request, stickyAccount: 'b' });
    const waiting = pool.acquire({ ...request, stickyAccount: 'b' });
    expect(await settlesWithin(waiting, 50)).toBe(false);
    expect((await pool.acquire(request)).account.name).toBe('a');
    await pool.release(held, { ok: true });
    expect((await waiting).account.name).toBe('b');
  });

  it('says why and until when the sticky account is cooling', async () => {
    const { pool, clock } = testPool([chatgptAccount('a'), chatgptAccount('b')]);
    const lease = await pool.acquire({ ...request, stickyAccount: 'b' });
    await pool.release(lease, {
      ok: false,
      error: new UpstreamError('rate_limited', 'cap', { retryAfterSeconds: 120 }),
    });
    const { error } = await settled(pool.acquire({ ...request, stickyAccount: 'b' }));
    expect(error).toMatchObject({ status: 429, retryAfterSeconds: 120 });
    expect((error as Error).message).toContain('(b)');
    expect((error as Error).message).toContain(new Date(clock.now() + 120_000).toISOString());
  });

  it('waits for a sticky account that is back within stickyCooldownWaitMs', async () => {
    const { pool, clock } = testPool([chatgptAccount('a')], {
      stickyCooldownWaitMs: 5000,
      pollIntervalMs: 10,
    });
    const lease = await pool.acquire(request);
    await pool.release(lease, {
      ok: false,
      error: new UpstreamError('rate_limited', 'cap', { retryAfterSeconds: 3 }),
    });
    const waiting = pool.acquire({ ...request, stickyAccount: 'a' });
    expect(await settlesWithin(waiting, 50)).toBe(false);
    clock.advance(3000);
    expect((await waiting).account.name).toBe('a');
  });

  it('gives a clear error when the sticky account is gone or disabled', async () => {
    const { pool } = testPool([chatgptAccount('a'), chatgptAccount('b')]);
    await pool.removeAccount('b');
    expect((await settled(pool.acquire({ ...request, stickyAccount: 'b' }))).error).toMatchObject({
      status: 404,
      code: 'conversation_account_gone',
      message: expect.stringContaining('no longer exists'),
    });
    await pool.disable('a', 'password changed');
    const { error } = await settled(pool.acquire({ ...request, stickyAccount: 'a' }));
    expect(error).toMatchObject({ status: 503, message: expect.stringContaining('password changed') });
  });

  it('lets an OpenAI-kind conversation continue on any account of the tier', async () => {
    const api = (name: string) => ({
      name,
      kind: 'openai' as const,
      plus: false,
      weight: 1,
      maxConcurrency: 1,
    });
    const { pool } = testPool([api('k1'), api('k2')]);
    const held = await pool.acquire({ ...request, stickyAccount: 'k1' });
    const other = await pool.acquire({ ...request, stickyAccount: 'k1' });
    expect([held.account.name, other.account.name].sort()).toEqual(['k1', 'k2']);
  });
});

describe('account pool: admin operations', () => {
  it('adds, disables, enables, resets and removes accounts', async () => {
    const { pool, clock } = testPool([chatgptAccount('a')]);
    await pool.addAccount(chatgptAccount('b', { weight: 2 }));
    await expect(pool.addAccount(chatgptAccount('b'))).rejects.toMatchObject({ status: 409 });
    await pool.disable('a', 'suspended by admin');
    expect((await pool.snapshot())[0]).toMatchObject({ status: 'disabled', reason: 'suspended by admin' });
    const lease: Lease = await pool.acquire(request);
    expect(lease.account.name).toBe('b');
    await pool.release(lease, { ok: false, error: new UpstreamError('rate_limited', 'x') });
    expect((await pool.snapshot())[1]).toMatchObject({ status: 'cooling', until: clock.now() + 3_600_000 });
    await pool.resetCooldown('b');
    await pool.enable('a');
    expect((await pool.snapshot()).map((v) => v.status)).toEqual(['ready', 'ready']);
    await pool.removeAccount('a');
    expect((await pool.snapshot()).map((v) => v.name)).toEqual(['b']);
    await expect(pool.enable('zzz')).rejects.toMatchObject({ status: 404, code: 'account_not_found' });
  });

  it('lists the same frozen specs until an account is added or removed, then the new set', async () => {
    const { pool } = testPool([chatgptAccount('a')]);
    const first = pool.accounts();
    expect(pool.accounts()).toBe(first);
    expect(Object.isFrozen(first[0])).toBe(true);
    await pool.addAccount(chatgptAccount('b'));
    const second = pool.accounts();
    expect(second.map((a) => a.name)).toEqual(['a', 'b']);
    await pool.removeAccount('a');
    expect(pool.accounts().map((a) => a.name)).toEqual(['b']);
    expect(first.map((a) => a.name)).toEqual(['a']);
  });

  it('wakes waiters when an admin frees an account', async () => {
    const { pool } = testPool([chatgptAccount('a')], { queueTimeoutMs: 10_000 });
    await pool.acquire(request);
    const waiting = pool.acquire(request);
    await pool.addAccount(chatgptAccount('b'));
    expect((await waiting).account.name).toBe('b');
  });
});
