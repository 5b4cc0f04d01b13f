/** URL checks shared by the settings.json, env and flag validation (only `new URL()`, no dependencies). */
import { isIP } from 'node:net';

const PROXY_PROTOCOLS = new Set(['socks5:', 'socks5h:', 'http:', 'https:']);
// new URL() drops a port equal to the scheme's default (http://h:80), so an explicit port is checked on the text.
const EXPLICIT_PORT = /^[a-z][a-z0-9+.-]*:\/\/(?:[^/?#]*@)?(?:\[[0-9a-f:.]+\]|[^:/?#[\]@]+):(\d{1,5})\/?$/i;

export const PROXY_MESSAGE = 'not a socks5/http URL';

/** socks5://, socks5h://, http:// or https://, optional user:password, host or [IPv6], port required. */
export function isProxyUrl(text: string): boolean {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  if (!PROXY_PROTOCOLS.has(url.protocol) || url.hostname === '') return false;
  if (url.search !== '' || url.hash !== '') return false;
  const port = EXPLICIT_PORT.exec(text)?.[1];
  return port !== undefined && Number(port) >= 1 && Number(port) <= 65535;
}

/** An absolute http(s) URL with a host. */
export function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** A browser origin: scheme://host[:port], nothing after it. */
export function isOrigin(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === text.replace(/\/$/, '');
  } catch {
    return false;
  }
}

export function hasProtocol(text: string, protocols: readonly string[]): boolean {
  try {
    return protocols.includes(new URL(text).protocol);
  } catch {
    return false;
  }
}

/** Removes trailing slashes so `${base}/path` never doubles them. */
export function withoutTrailingSlash(text: string): string {
  return text.replace(/\/+$/, '');
}

function isPrivateIPv4(address: string): boolean {
  const [a = -1, b = -1] = address.split('.').map(Number);
  return (
    a === 127 ||
    a === 10 ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 169 && b === 254)
  );
}

function isPrivateIPv6(address: string): boolean {
  const lower = address.toLowerCase();
  if (lower === '::1') return true;
  // new URL() writes IPv4-mapped addresses in hex (::ffff:7f00:1).
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (mapped) {
    const high = parseInt(mapped[1] ?? '0', 16);
    const low = parseInt(mapped[2] ?? '0', 16);
    return isPrivateIPv4(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`);
  }
  return /^f[cd][0-9a-f]{2}:/.test(lower) || /^fe[89ab][0-9a-f]:/.test(lower);
}

/**
 * True when the URL points at this machine or a private network (e.g. a local Ollama), where an
 * OpenAI-compatible server commonly runs without an API key.
 */
export function isLoopbackOrPrivateUrl(text: string): boolean {
  let host: string;
  try {
    host = new URL(text).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return false;
  }
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  const version = isIP(host);
  if (version === 4) return isPrivateIPv4(host);
  if (version === 6) return isPrivateIPv6(host);
  return false;
}
