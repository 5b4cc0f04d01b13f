/**
 * Proxy URLs as written in settings.json (`socks5://user:pass@host:1080`, `http://host:3128`).
 * Parsed here once so config validation, the dispatcher registry and admin views agree.
 */
export type ProxyProtocol = 'socks5' | 'socks5h' | 'http' | 'https';

export interface ParsedProxyUrl {
  protocol: ProxyProtocol;
  /** Hostname or IP address; IPv6 addresses without brackets. */
  host: string;
  port: number;
  userId?: string;
  password?: string;
}

const DEFAULT_PORTS: Record<ProxyProtocol, number> = { socks5: 1080, socks5h: 1080, http: 80, https: 443 };

const isProxyProtocol = (value: string): value is ProxyProtocol => value in DEFAULT_PORTS;

export class ProxyUrlError extends Error {
  constructor(reason: string) {
    super(`Invalid proxy URL: ${reason}`);
    this.name = 'ProxyUrlError';
  }
}

/** Throws ProxyUrlError (whose message never contains the credentials) for anything unusable. */
export function parseProxyUrl(url: string): ParsedProxyUrl {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    throw new ProxyUrlError('not a URL (expected e.g. socks5://host:1080 or http://host:3128)');
  }
  const protocol = parsed.protocol.replace(/:$/, '').toLowerCase();
  if (!isProxyProtocol(protocol)) {
    throw new ProxyUrlError(`unsupported scheme "${protocol}" (use socks5, socks5h, http or https)`);
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) throw new ProxyUrlError('missing host');
  if ((parsed.pathname && parsed.pathname !== '/') || parsed.search || parsed.hash) {
    throw new ProxyUrlError(`a proxy URL has no path or query (${protocol}://${parsed.host})`);
  }
  const port = parsed.port ? Number(parsed.port) : DEFAULT_PORTS[protocol];
  const result: ParsedProxyUrl = { protocol, host, port };
  if (parsed.username) result.userId = decodeURIComponent(parsed.username);
  if (parsed.password) result.password = decodeURIComponent(parsed.password);
  if (result.password !== undefined && result.userId === undefined) {
    throw new ProxyUrlError(`a password needs a user name (${protocol}://${parsed.host})`);
  }
  return result;
}

/** `host:port` of a proxy, for admin views and error messages: never the credentials. */
export function describeProxy(url: string | undefined): string {
  if (url === undefined || url === '') return 'direct';
  try {
    const { host, port } = parseProxyUrl(url);
    return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  } catch {
    return '<invalid proxy URL>';
  }
}
