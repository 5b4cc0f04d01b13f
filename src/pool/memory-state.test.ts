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

  it('keeps the right leases when they end out of order, and sweeps several at once', async () => {
    const clock = manualClock();
    const state = createMemoryPoolState({ clock });
    const ids = [] as string[];
    for (const ttlMs of [100, 500, 100, 500, 100]) ids.push((await lease(state, ttlMs, 10)) as string);
    expect(new Set(ids).size).toBe(5);
    const [a, b, c, d, e] = ids as [string, string, string, string, string];
    expect(await state.releaseLease('acct', b)).toBe(true); // the last one takes its place
    expect(await state.releaseLease('acct', b)).toBe(false);
    expect(await state.renewLease('acct', e, 1_000)).toBe(true); // found where it moved
    clock.advance(100); // a and c expire together; e was renewed, d lives on
    expect(await state.inFlight(['acct'])).toEqual(new Map([['acct', 2]]));
    for (const gone of [a, c]) expect(await state.releaseLease('acct', gone)).toBe(false);
    clock.advance(400); // d's expiry
    expect(await state.inFlight(['acct'])).toEqual(new Map([['acct', 1]]));
    expect(await state.releaseLease('acct', d)).toBe(false);
    expect(await state.releaseLease('acct', e)).toBe(true);
    expect(await state.inFlight(['acct'])).toEqual(new Map([['acct', 0]]));
  });
});
