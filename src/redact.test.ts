import { describe, expect, it } from 'vitest';
import { redact } from './redact.js';

describe('redact', () => {
  it('removes known secrets and token-shaped strings', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlX19fXw';
    const text = `bad token ${jwt} key sk-abcdefghijklmnop1234 pw=hunter22 Bearer abcdefghijkl "password":"p@ss"`;
    const out = redact(text, ['hunter22']);
    expect(out).not.toContain(jwt);
    expect(out).not.toContain('sk-abcdefghijklmnop1234');
    expect(out).not.toContain('hunter22');
    expect(out).not.toContain('abcdefghijkl"');
    expect(out).not.toContain('p@ss');
    expect(out).toContain('Bearer [REDACTED]');
  });

  it('leaves ordinary text alone', () => {
    expect(redact('Too many requests in 1 hour. Try again later.')).toBe(
      'Too many requests in 1 hour. Try again later.',
    );
  });
});
