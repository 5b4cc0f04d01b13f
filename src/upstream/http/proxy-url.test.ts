import { describe, expect, it } from 'vitest';
import { describeProxy, parseProxyUrl } from './proxy-url.js';
import { parseRetryAfter } from './transport-errors.js';

describe('parseProxyUrl', () => {
  it('parses socks5, socks5h, http and https URLs with credentials, names and IPv6', () => {
    expect(parseProxyUrl('socks5://127.0.0.1:1080')).toEqual({
      protocol: 'socks5',
      host: '127.0.0.1',
      port: 1080,
    });
    expect(parseProxyUrl('socks5h://us%40er:p%3Ass@proxy.example:9050')).toEqual({
      protocol: 'socks5h',
      host: 'proxy.example',
      port: 9050,
      userId: 'us@er',
      password: 'p:ss',
    });
    expect(parseProxyUrl('socks5://[::1]:1081')).toEqual({ protocol: 'socks5', host: '::1', port: 1081 });
    expect(parseProxyUrl('socks5h://host')).toMatchObject({ port: 1080 });
    expect(parseProxyUrl('http://a:b@proxy:3128/')).toMatchObject({
      protocol: 'http',
      port: 3128,
      userId: 'a',
    });
    expect(parseProxyUrl('https://proxy')).toMatchObject({ protocol: 'https', port: 443 });
  });

  it('throws clear errors that never contain the credentials', () => {
    const cases: [string, RegExp][] = [
      ['not a url', /not a URL/],
      ['ftp://bob:hunter2@host', /unsupported scheme "ftp"/],
      ['socks4://bob:hunter2@host', /unsupported scheme "socks4"/],
      ['socks5://bob:hunter2@host:1080/path', /no path/],
      ['socks5://:hunter2@host:1080', /needs a user name/],
    ];
    for (const [url, message] of cases) {
      let caught: unknown;
      try {
        parseProxyUrl(url);
      } catch (error) {
        caught = error;
      }
      expect(caught, url).toBeInstanceOf(Error);
      expect((caught as Error).message).toMatch(message);
      expect((caught as Error).message).not.toContain('hunter2');
    }
  });
});

describe('describeProxy', () => {
  it('shows host:port only', () => {
    expect(describeProxy('socks5://alice:secret@10.0.0.1:1080')).toBe('10.0.0.1:1080');
    expect(describeProxy('socks5h://[::1]:1080')).toBe('[::1]:1080');
    expect(describeProxy(undefined)).toBe('direct');
    expect(describeProxy('ftp://alice:secret@x')).toBe('<invalid proxy URL>');
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120);
    expect(parseRetryAfter(['7'], now)).toBe(7);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:01:30 GMT', now)).toBe(90);
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});
