import { describe, expect, it } from 'vitest';
import { swapRemove } from './swap-remove.js';

describe('swapRemove', () => {
  it('moves the last entry into the removed place and says which one moved', () => {
    const list = ['a', 'b', 'c', 'd'];
    expect(swapRemove(list, 1)).toBe('d');
    expect(list).toEqual(['a', 'd', 'c']);
  });

  it('moves nothing when the last entry is the one removed', () => {
    const list = ['a', 'b'];
    expect(swapRemove(list, 1)).toBeUndefined();
    expect(list).toEqual(['a']);
    expect(swapRemove(list, 0)).toBeUndefined();
    expect(list).toEqual([]);
  });
});
