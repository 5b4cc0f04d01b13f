import { describe, expect, it } from 'vitest';
import { timeOrderedId } from './ids.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('timeOrderedId', () => {
  it('is a version 7 UUID carrying the time in its first 48 bits', () => {
    const now = Date.parse('2026-11-26T02:00:00.123Z');
    const id = timeOrderedId(now);
    expect(id).toMatch(UUID_V7);
    expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(now);
  });

  it('carries the time it is given, whatever time the id before it had', () => {
    const time = (id: string) => parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
    for (const now of [1_000, 1_000, 2_000, 1_000, 0x1234_5678_9abc]) {
      const id = timeOrderedId(now);
      expect(id).toMatch(UUID_V7);
      expect(time(id)).toBe(now);
    }
  });

  it('sorts by time across milliseconds and is unique within one', () => {
    const earlier = timeOrderedId(1_000);
    const later = timeOrderedId(1_001);
    expect(earlier < later).toBe(true);
    const same = new Set(Array.from({ length: 1000 }, () => timeOrderedId(5_000)));
    expect(same.size).toBe(1000);
    for (const id of same) expect(id).toMatch(UUID_V7);
  });
});
