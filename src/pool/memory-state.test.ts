import { describe, expect, it } from 'vitest';
import { createMemoryPoolState } from './memory-state.js';
import { manualClock } from './test-support.js';

describe('memory pool state: leases', () => {
  const lease = (state: ReturnType<typeof createMemoryPoolState>, ttlMs: number, maxConcurrency = 5) =>
    state.acquireLease({ account: 'acct', maxConcurrency, ttlMs });

  it('frees an expired lease, keeps a later one, and counts only live ones in flight', async () => {
    const clock = manualClock();
    const state = createMemoryPoolState({ clock });
    const short = await lease(state, 100);
    const long = await lease(state, 1_000);
    expect(await state.inFlight(['acct'])).toEqual(new Map([['acct', 2]]));
    clock.advance(100); // the short lease's expiry
    expect(await state.inFlight(['acct'])).toEqual(new Map([['acct', 1]]));
    expect(await state.releaseLease('acct', short as string)).toBe(false);
    expect(await state.releaseLease('acct', long as string)).toBe(true);
    expect(await state.inFlight(['acct'])).toEqual(new Map([['acct', 0]]));
  });

  it('refuses a lease beyond the concurrency until one expires', async () => {
    const clock = manualClock();
    const state = createMemoryPoolState({ clock });
    expect(await lease(state, 100, 1)).toBeDefined();
    expect(await lease(state, 100, 1)).toBeUndefined();
    clock.advance(99);
    expect(await lease(state, 100, 1)).toBeUndefined();
    clock.advance(1);
    expect(await lease(state, 100, 1)).toBeDefined();
  });

  it('keeps a renewed lease past its first expiry, and sweeps it after the renewed one', async () => {
    const clock = manualClock();
    const state = createMemoryPoolState({ clock });
    const id = (await lease(state, 100)) as string;
    const other = await lease(state, 150);
    clock.advance(50);
    expect(await state.renewLease('acct', id, 200)).toBe(true); // now ends at 250
    clock.advance(100); // 150: the first expiry and the other lease's have passed
    expect(await state.inFlight(['acct'])).toEqual(new Map([['acct', 1]]));
    expect(await state.renewLease('acct', other as string, 100)).toBe(false);
    clock.advance(100); // 250: the renewed expiry
    expect(await state.inFlight(['acct'])).toEqual(new Map([['acct', 0]]));
    expect(await state.renewLease('acct', id, 100)).toBe(false);
  });
});
