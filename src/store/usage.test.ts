import { describe, expect, it } from 'vitest';
import { utcDay } from './usage.js';

describe('utcDay', () => {
  it('names the UTC day at both edges of a day, forwards and backwards in time', () => {
    const midnight = Date.parse('2026-03-01T00:00:00Z');
    expect(utcDay(midnight - 1)).toBe('2026-02-28');
    expect(utcDay(midnight)).toBe('2026-03-01');
    expect(utcDay(midnight + 86_400_000 - 1)).toBe('2026-03-01');
    expect(utcDay(midnight + 86_400_000)).toBe('2026-03-02');
    expect(utcDay(midnight + 5)).toBe('2026-03-01');
    expect(utcDay(midnight - 86_400_000)).toBe('2026-02-28');
    expect(utcDay(Date.parse('1999-12-31T23:59:59Z'))).toBe('1999-12-31');
  });

  it('still rejects a time that is not a date', () => {
    expect(() => utcDay(Number.NaN)).toThrow(RangeError);
  });
});
