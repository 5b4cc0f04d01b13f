import { describe, expect, it } from 'vitest';
import { isLoopbackOrPrivateUrl, isOrigin, isProxyUrl } from './urls.js';

describe('isProxyUrl', () => {
  it.each([
    'socks5://127.0.0.1:1080',
    'socks5h://proxy.example.com:1080',
    'socks5://user:pa%40ss@10.0.0.2:1080',
    'socks5://[::1]:1080',
    'http://proxy.lan:3128',
    'http://proxy.lan:80',
    'https://user:pw@proxy.lan:443/',
  ])('accepts %s', (url) => expect(isProxyUrl(url)).toBe(true));

  it.each([
    'socks4://127.0.0.1:1080', // not supported
    'socks5://127.0.0.1', // port required
    'http://proxy.lan', // port required even when the scheme has a default
    'socks5://127.0.0.1:1080/path',
    'socks5://127.0.0.1:0',
    'socks5://127.0.0.1:1080?x=1',
    '127.0.0.1:1080',
    'default',
    '',
  ])('refuses %j', (url) => expect(isProxyUrl(url)).toBe(false));
});

describe('isLoopbackOrPrivateUrl', () => {
  it.each([
    ['http://localhost:11434/v1', true],
    ['http://127.0.0.1:11434', true],
    ['http://[::1]:8080', true],
    ['http://192.168.1.20:8000', true],
    ['http://172.20.0.3', true],
    ['http://10.1.2.3', true],
    ['http://[fd00::5]:80', true],
    ['http://[::ffff:127.0.0.1]:80', true],
    ['https://api.openai.com/v1', false],
    ['http://172.32.0.1', false],
    ['http://8.8.8.8', false],
  ])('%s → %s', (url, expected) => expect(isLoopbackOrPrivateUrl(url)).toBe(expected));
});

describe('isOrigin', () => {
  it('accepts bare origins and refuses paths', () => {
    expect(isOrigin('https://app.example')).toBe(true);
    expect(isOrigin('http://localhost:3000/')).toBe(true);
    expect(isOrigin('https://app.example/chat')).toBe(false);
    expect(isOrigin('app.example')).toBe(false);
  });
});
