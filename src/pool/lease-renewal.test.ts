import { describe, expect, it } from 'vitest';
import { createMemoryPoolState } from './memory-state.js';
import { createAccountPool } from './pool.js';
import type { PoolState } from './state.js';
import { waitFor } from '../../test/upstream-sim/test-client.js';
import { chatgptAccount, manualClock, never } from './test-support.js';

const request = { tier: 'free', userPlus: false, signal: never() } as const;

function countingPool(leaseTtlMs: number, leaseMaxLifetimeMs = 60_000, failures = 0) {
  const clock = manualClock();
  const memory = createMemoryPoolState({ clock });
  const renewed: string[] = [];
  let failing = failures;
  const state: PoolState = {
    ...memory,
    renewLease: async (account, leaseId, ttlMs) => {
      renewed.push(leaseId);
      if (failing-- > 0) throw new Error('redis went away');
      return memory.renewLease(account, leaseId, ttlMs);
    },
  };
  const pool = createAccountPool({
    state,
    accounts: [chatgptAccount('a')],
    clock,
    options: { leaseTtlMs, leaseMaxLifetimeMs, queueTimeoutMs: 50, pollIntervalMs: 60_000 },
  });
  return { pool, state, clock, renewed };
}

describe('lease renewal', () => {
  it('keeps the slot of a turn that outlives the lease TTL, and stops once the turn is released', async () => {
    const { pool, state, clock, renewed } = countingPool(300);
    const lease = await pool.acquire(request);
    clock.advance(200);
    await waitFor(() => renewed.length > 0);
    expect(renewed).toEqual([lease.id]);
    clock.advance(200); // past the first TTL: only the renewal keeps the slot
    expect((await state.inFlight(['a'])).get('a')).toBe(1);
    await expect(pool.acquire(request)).rejects.toMatchObject({ code: 'all_accounts_busy' });

    await pool.release(lease, { ok: true });
    const count = renewed.length;
    clock.advance(10_000);
    await new Promise((resolve) => setTimeout(resolve, 300)); // three sweeps' worth
    expect(renewed.length).toBe(count);
    expect((await state.inFlight(['a'])).get('a')).toBe(0);
    pool.close();
  });

  it('does not bring back a lease that had already ended', async () => {
    const { pool, state, clock, renewed } = countingPool(300);
    await pool.acquire(request);
    clock.advance(301);
    await waitFor(() => renewed.length > 0);
    expect((await state.inFlight(['a'])).get('a')).toBe(0);
    expect(await state.renewLease('a', renewed[0] as string, 300)).toBe(false);
    pool.close();
  });

  it('stops renewing a lease its turn never released once it reaches its longest lifetime', async () => {
    const { pool, state, clock, renewed } = countingPool(300, 1000);
    await pool.acquire(request); // never released, as by a turn that lost track of it
    for (let age = 200; age < 1000; age += 200) {
      clock.advance(200);
      const count = renewed.length;
      await waitFor(() => renewed.length > count);
    }
    expect((await state.inFlight(['a'])).get('a')).toBe(1);
    clock.advance(200); // 1000 ms old: no more renewals
    await new Promise((resolve) => setTimeout(resolve, 300));
    const count = renewed.length;
    clock.advance(300); // past the last renewal's TTL
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(renewed.length).toBe(count);
    expect((await state.inFlight(['a'])).get('a')).toBe(0);
    pool.close();
  });

  it('tries a failed renewal again at the next sweep, not a third of the TTL later', async () => {
    const { pool, state, clock, renewed } = countingPool(300, 60_000, 1);
    const lease = await pool.acquire(request);
    clock.advance(200);
    await waitFor(() => renewed.length >= 2); // the failure, then the retry, at the same clock
    clock.advance(150); // past the first TTL: only the retried renewal keeps the slot
    expect((await state.inFlight(['a'])).get('a')).toBe(1);
    await pool.release(lease, { ok: true });
    pool.close();
  });

  it('keeps renewing the other leases when one in the middle is released', async () => {
    const clock = manualClock();
    const memory = createMemoryPoolState({ clock });
    const renewed: string[] = [];
    const state: PoolState = {
      ...memory,
      renewLease: async (account, leaseId, ttlMs) => {
        renewed.push(leaseId);
        return memory.renewLease(account, leaseId, ttlMs);
      },
    };
    const pool = createAccountPool({
      state,
      accounts: [chatgptAccount('a', { maxConcurrency: 3 })],
      clock,
      options: { leaseTtlMs: 300, leaseMaxLifetimeMs: 60_000, queueTimeoutMs: 50, pollIntervalMs: 60_000 },
    });
    const [first, middle, last] = [
      await pool.acquire(request),
      await pool.acquire(request),
      await pool.acquire(request),
    ];
    await pool.release(middle, { ok: true });
    clock.advance(200);
    await waitFor(() => renewed.length >= 2);
    expect(renewed.sort()).toEqual([first.id, last.id].sort());
    clock.advance(200); // past the first TTL: both slots are still held
    expect((await state.inFlight(['a'])).get('a')).toBe(2);
    await pool.release(first, { ok: true });
    await pool.release(last, { ok: true });
    expect((await state.inFlight(['a'])).get('a')).toBe(0);
    pool.close();
  });
});
