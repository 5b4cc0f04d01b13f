import { describe, expect, it } from 'vitest';
import { jwtAccountId, jwtExpiry } from './jwt.js';
import { CookieJar, SESSION_COOKIE } from './cookie-jar.js';

const jwt = (payload: object): string =>
  `eyJhbGciOiJub25lIn0.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.sig`;

describe('jwt helpers', () => {
  it('reads exp and the ChatGPT account id', () => {
    const token = jwt({ exp: 1_900_000_000, 'https://api.openai.com/auth': { chatgpt_account_id: 'acc-1' } });
    expect(jwtExpiry(token)?.toISOString()).toBe(new Date(1_900_000_000_000).toISOString());
    expect(jwtAccountId(token)).toBe('acc-1');
  });

  it('returns undefined for non-JWTs and missing claims', () => {
    expect(jwtExpiry('sk-not-a-jwt')).toBeUndefined();
    expect(jwtExpiry('a.!!!.c')).toBeUndefined();
    expect(jwtAccountId(jwt({ exp: 1 }))).toBeUndefined();
  });
});

describe('CookieJar', () => {
  it('keeps, replaces and deletes cookies from Set-Cookie headers', () => {
    const jar = new CookieJar({ a: '1' });
    jar.absorb(['b=2; Path=/; HttpOnly', 'a=3; Secure']);
    expect(jar.header()).toBe('a=3; b=2');
    jar.absorb('a=; Max-Age=0');
    jar.absorb('b=2; Expires=Thu, 01 Jan 1970 00:00:00 GMT');
    expect(jar.header()).toBeUndefined();
  });

  it('joins a chunked next-auth session token', () => {
    const jar = new CookieJar();
    jar.absorb([`${SESSION_COOKIE}.0=abc; Path=/`, `${SESSION_COOKIE}.1=def; Path=/`]);
    expect(jar.sessionToken()).toBe('abcdef');
  });
});
