import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../upstream/types.js';
import type { UpstreamFailureKind, UpstreamErrorOptions } from '../upstream/types.js';
import { chatgptAccount, never, testPool } from './test-support.js';
import type { AccountPool } from './pool.js';
import type { AccountView } from './types.js';

const request = { tier: 'free', userPlus: false, signal: never() } as const;

async function failOn(
  pool: AccountPool,
  name: string,
  kind: UpstreamFailureKind,
  options: UpstreamErrorOptions = {},
): Promise<void> {
  const others = (await pool.snapshot()).map((view) => view.name).filter((other) => other !== name);
  const lease = await pool.acquire({ ...request, exclude: others });
  expect(lease.account.name).toBe(name);
  await pool.release(lease, { ok: false, error: new UpstreamError(kind, `${kind} happened`, options) });
}

async function succeedOn(pool: AccountPool, name: string): Promise<void> {
  const others = (await pool.snapshot()).map((view) => view.name).filter((other) => other !== name);
  const lease = await pool.acquire({ ...request, exclude: others });
  await pool.release(lease, { ok: true });
}

async function view(pool: AccountPool, name: string): Promise<AccountView> {
  const found = (await pool.snapshot()).find((entry) => entry.name === name);
  if (!found) throw new Error(`no account ${name}`);
  return found;
}

describe('account pool: health transitions', () => {
  it('cools an account down for Retry-After and brings it back on time', async () => {
    const { pool, clock } = testPool([chatgptAccount('a'), chatgptAccount('b')]);
    await failOn(pool, 'a', 'rate_limited', { retryAfterSeconds: 30, upstreamCode: 'model_cap_exceeded' });
    const cooling = await view(pool, 'a');
    expect(cooling.status).toBe('cooling');
    expect(cooling.until).toBe(clock.now() + 30_000);
    expect(cooling.reason).toContain('model_cap_exceeded');
    for (let i = 0; i < 3; i += 1) {
      const lease = await pool.acquire(request);
      expect(lease.account.name).toBe('b');
      await pool.release(lease, { ok: true });
    }
    clock.advance(29_999);
    expect((await view(pool, 'a')).status).toBe('cooling');
    clock.advance(1);
    expect((await view(pool, 'a')).status).toBe('ready');
    const names = new Set<string>();
    for (let i = 0; i < 2; i += 1) {
      const lease = await pool.acquire(request);
      names.add(lease.account.name);
      await pool.release(lease, { ok: true });
    }
    expect(names).toEqual(new Set(['a', 'b']));
  });

  it('cools down for one hour by default after a rate limit', async () => {
    const { pool, clock } = testPool([chatgptAccount('a')]);
    await failOn(pool, 'a', 'rate_limited');
    expect((await view(pool, 'a')).until).toBe(clock.now() + 3_600_000);
  });

  it('cools down after a challenge page', async () => {
    const { pool, clock } = testPool([chatgptAccount('a')], { challengeCooldownS: 120 });
    await failOn(pool, 'a', 'upstream_challenge');
    const cooled = await view(pool, 'a');
    expect(cooled.status).toBe('cooling');
    expect(cooled.until).toBe(clock.now() + 120_000);
  });

  it('disables on auth_invalid and on an unrefreshable auth_expired, until an admin enables', async () => {
    const { pool, clock } = testPool([chatgptAccount('a'), chatgptAccount('b')]);
    await failOn(pool, 'a', 'auth_invalid');
    await failOn(pool, 'b', 'auth_expired');
    const [a, b] = await pool.snapshot();
    expect(a).toMatchObject({ status: 'disabled', reason: expect.stringContaining('rejected') });
    expect(b).toMatchObject({
      status: 'disabled',
      reason: expect.stringContaining('could not be refreshed'),
    });
    clock.advance(86_400_000);
    expect((await view(pool, 'a')).status).toBe('disabled');
    await pool.enable('a');
    expect((await view(pool, 'a')).status).toBe('ready');
  });

  it('keeps the last error redacted', async () => {
    const { pool } = testPool([chatgptAccount('a')]);
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlX19fXw';
    await failOn(pool, 'a', 'upstream_error');
    const lease = await pool.acquire(request);
    await pool.release(lease, { ok: false, error: new UpstreamError('upstream_error', `boom ${jwt}`) });
    const a = await view(pool, 'a');
    expect(a.lastError).toContain('boom');
    expect(a.lastError).not.toContain(jwt);
    expect(a.failed).toBe(2);
  });

  it('ignores cancelled turns, invalid requests and busy answers for health', async () => {
    const { pool } = testPool([chatgptAccount('a')], { failuresBeforeEject: 1 });
    await failOn(pool, 'a', 'cancelled');
    await failOn(pool, 'a', 'invalid_request');
    await failOn(pool, 'a', 'account_busy');
    expect(await view(pool, 'a')).toMatchObject({ status: 'ready', failed: 0, consecutiveFailures: 0 });
  });

  it('ejects after consecutive failures with a growing backoff, probing one turn at a time', async () => {
    const accounts = ['a', 'b', 'c', 'd'].map((name) => chatgptAccount(name, { maxConcurrency: 4 }));
    const { pool, clock } = testPool(accounts, { ejectBaseMs: 5000, ejectMaxMs: 15_000 });
    await failOn(pool, 'a', 'upstream_error');
    await failOn(pool, 'a', 'timeout');
    expect((await view(pool, 'a')).status).toBe('ready');
    await failOn(pool, 'a', 'network');
    expect(await view(pool, 'a')).toMatchObject({
      status: 'ejected',
      until: clock.now() + 5000,
      ejectionCount: 1,
    });

    clock.advance(5000);
    // On probation: one turn at a time even though maxConcurrency is 4.
    const probe = await pool.acquire({ ...request, exclude: ['b', 'c', 'd'] });
    expect((await view(pool, 'a')).status).toBe('busy');
    await pool.release(probe, { ok: false, error: new UpstreamError('upstream_error', '500') });
    expect(await view(pool, 'a')).toMatchObject({
      status: 'ejected',
      until: clock.now() + 10_000,
      ejectionCount: 2,
    });

    clock.advance(10_000);
    await failOn(pool, 'a', 'upstream_error');
    expect((await view(pool, 'a')).until).toBe(clock.now() + 15_000); // capped at ejectMaxMs

    clock.advance(15_000);
    await succeedOn(pool, 'a');
    expect(await view(pool, 'a')).toMatchObject({
      status: 'ready',
      ejectionCount: 0,
      consecutiveFailures: 0,
    });
    const leases = await Promise.all(
      [1, 2].map(() => pool.acquire({ ...request, exclude: ['b', 'c', 'd'] })),
    );
    expect(leases.map((lease) => lease.account.name)).toEqual(['a', 'a']);
  });

  it('probes accounts whose ejection ended, skipping busy ones', async () => {
    const accounts = ['a', 'b', 'c'].map((name) => chatgptAccount(name));
    const { pool, clock } = testPool(accounts, { failuresBeforeEject: 1, ejectBaseMs: 1000 });
    await failOn(pool, 'a', 'upstream_error');
    const failing = async (): Promise<void> => {
      throw new Error('still down');
    };
    expect(await pool.probeRecovering(failing)).toEqual([]);
    clock.advance(1000);
    const busy = await pool.acquire({ ...request, exclude: ['b', 'c'] });
    expect(await pool.probeRecovering(failing)).toEqual([]);
    await pool.release(busy, { ok: false, error: new UpstreamError('cancelled', 'client left') });
    expect(await pool.probeRecovering(failing)).toEqual(['a']);
    expect(await view(pool, 'a')).toMatchObject({
      status: 'ejected',
      ejectionCount: 2,
      lastError: expect.stringContaining('still down'),
    });
    clock.advance(2000);
    expect(await pool.probeRecovering(async () => undefined)).toEqual(['a']);
    expect(await view(pool, 'a')).toMatchObject({ status: 'ready', ejectionCount: 0, inFlight: 0 });
  });

  it('logs disables, cooldowns and ejections without secrets', async () => {
    const lines: { fields: unknown; message?: string }[] = [];
    const record = (fields: unknown, message?: string): void => void lines.push({ fields, message });
    const logger = { info: record, warn: record, error: record, debug: record };
    const accounts = ['a', 'b', 'c'].map((name) => chatgptAccount(name));
    const { pool } = testPool(accounts, { failuresBeforeEject: 1 }, logger);
    const secret = 'sk-abcdefghijklmnopqrstuvwxyz';
    await failOn(pool, 'a', 'rate_limited', { retryAfterSeconds: 5 });
    await failOn(pool, 'b', 'auth_invalid');
    const lease = await pool.acquire(request);
    await pool.release(lease, { ok: false, error: new UpstreamError('upstream_error', `bad key ${secret}`) });
    expect(lines.map((line) => line.message)).toEqual([
      'account cooling down',
      'account disabled',
      'account ejected',
    ]);
    expect(JSON.stringify(lines)).not.toContain(secret);
  });

  it('never ejects more than maxEjectShare of a tier', async () => {
    const accounts = ['a', 'b', 'c', 'd'].map((name) => chatgptAccount(name));
    const { pool } = testPool(accounts, { maxEjectShare: 0.5, failuresBeforeEject: 2 });
    for (const name of ['a', 'b', 'c', 'd']) {
      await failOn(pool, name, 'upstream_error');
      await failOn(pool, name, 'upstream_error');
    }
    const views = await pool.snapshot();
    expect(views.filter((v) => v.status === 'ejected').map((v) => v.name)).toEqual(['a', 'b']);
    expect(views.filter((v) => v.status === 'ready').map((v) => v.consecutiveFailures)).toEqual([2, 2]);
  });

  it('does not exceed the cap when failures are released concurrently', async () => {
    const accounts = ['a', 'b', 'c', 'd'].map((name) => chatgptAccount(name));
    const { pool } = testPool(accounts, { maxEjectShare: 0.25, failuresBeforeEject: 1 });
    const leases = await Promise.all([1, 2, 3, 4].map(() => pool.acquire(request)));
    await Promise.all(
      leases.map((lease) =>
        pool.release(lease, { ok: false, error: new UpstreamError('network', 'refused') }),
      ),
    );
    expect((await pool.snapshot()).filter((v) => v.status === 'ejected')).toHaveLength(1);
  });

  it('never ejects the only account of a tier', async () => {
    const { pool } = testPool([chatgptAccount('solo')], { failuresBeforeEject: 1 });
    await failOn(pool, 'solo', 'upstream_error');
    await failOn(pool, 'solo', 'upstream_error');
    expect((await view(pool, 'solo')).status).toBe('ready');
  });
});
