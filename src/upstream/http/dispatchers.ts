/**
 * One pooled keep-alive undici dispatcher per distinct proxy URL, shared by every account and
 * by the token service, so connections (and proxy handshakes) are reused across requests.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type * as undici from 'undici';
import type { Dispatcher, buildConnector } from 'undici';
import type * as fetchSocksModule from 'fetch-socks';
import { lazyRequire } from '../../lazy-require.js';
import { parseProxyUrl, type ParsedProxyUrl } from './proxy-url.js';

// undici's index loads all of undici (fetch, WebSocket, caches, mocks: ~110 modules, ~9 MB of
// resident memory); the dispatchers used here need ~25 of them. Calls go through `dispatch`
// (src/upstream/http/call.ts), which needs nothing the index adds. The lockfile pins the version,
// and the dispatcher tests cover each of these paths.
const loadAgent = lazyRequire<typeof undici.Agent>('undici/lib/dispatcher/agent.js');
const loadProxyAgent = lazyRequire<typeof undici.ProxyAgent>('undici/lib/dispatcher/proxy-agent.js');
// Loaded with the first SOCKS proxy (see lazy-require.ts): ~5 MB that a server without one never needs.
const loadFetchSocks = lazyRequire<typeof fetchSocksModule>('fetch-socks');

export interface DispatcherRegistryOptions {
  /** Time allowed to open a TCP connection (and, through a proxy, the proxy handshake). */
  connectTimeoutMs: number;
  /** How long an idle pooled connection is kept (default 30 s). */
  keepAliveTimeoutMs?: number;
}

export interface DispatcherRegistry {
  /** The shared dispatcher for a proxy URL (undefined or '' → direct). Throws ProxyUrlError for bad URLs. */
  get(proxyUrl?: string): Dispatcher;
  close(): Promise<void>;
}

const DIRECT = 'direct';

type Connector = buildConnector.connector;

/**
 * socks5:// means "resolve names locally" (curl semantics); socks5h:// lets the proxy resolve.
 * IPv6 literals arrive bracketed from undici and must reach the socks client bare.
 */
function destinationAdjustingConnector(inner: Connector, resolveLocally: boolean): Connector {
  return (options, callback) => {
    const bare = options.hostname.replace(/^\[(.*)\]$/, '$1');
    if (!resolveLocally || isIP(bare) !== 0) {
      inner({ ...options, hostname: bare }, callback);
      return;
    }
    lookup(bare).then(
      ({ address }) => inner({ ...options, hostname: address }, callback),
      (error: Error) => callback(error, null),
    );
  };
}

function createProxyDispatcher(proxy: ParsedProxyUrl, url: string, options: DispatcherRegistryOptions) {
  const keepAliveTimeout = options.keepAliveTimeoutMs ?? 30_000;
  const tls = { timeout: options.connectTimeoutMs };
  if (proxy.protocol === 'http' || proxy.protocol === 'https') {
    return new (loadProxyAgent())({ uri: url.trim(), keepAliveTimeout, proxyTls: tls, requestTls: tls });
  }
  const connector = loadFetchSocks().socksConnector(
    {
      type: 5,
      host: proxy.host,
      port: proxy.port,
      ...(proxy.userId === undefined ? {} : { userId: proxy.userId, password: proxy.password ?? '' }),
    },
    tls,
  );
  return new (loadAgent())({
    keepAliveTimeout,
    connect: destinationAdjustingConnector(connector, proxy.protocol === 'socks5'),
  });
}

export function createDispatcherRegistry(options: DispatcherRegistryOptions): DispatcherRegistry {
  const dispatchers = new Map<string, Dispatcher>();
  let closed = false;

  return {
    get(proxyUrl) {
      if (closed) throw new Error('The dispatcher registry is closed');
      const key = proxyUrl?.trim() ? proxyUrl.trim() : DIRECT;
      const existing = dispatchers.get(key);
      if (existing) return existing;
      const created =
        key === DIRECT
          ? new (loadAgent())({
              keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000,
              connect: { timeout: options.connectTimeoutMs },
            })
          : createProxyDispatcher(parseProxyUrl(key), key, options);
      dispatchers.set(key, created);
      return created;
    },
    async close() {
      closed = true;
      const all = [...dispatchers.values()];
      dispatchers.clear();
      await Promise.all(all.map((dispatcher) => dispatcher.close()));
    },
  };
}
