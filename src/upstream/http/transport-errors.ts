/**
 * Classifies what undici (and the socks client under fetch-socks) throws into the few kinds
 * providers care about. Shared by every provider so "proxy down" means `network` everywhere.
 */
export type TransportFailureKind = 'network' | 'timeout' | 'cancelled';

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ETIMEDOUT',
  'EADDRNOTAVAIL',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_PRXY_TLS',
]);

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  constructor?: { name?: unknown };
}

function* errorChain(error: unknown): Generator<ErrorLike> {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    yield current as ErrorLike;
    current = (current as ErrorLike).cause;
  }
}

/** Returns the transport failure kind, or undefined when the error is not a transport error. */
export function classifyTransportError(
  error: unknown,
  signal?: AbortSignal,
): TransportFailureKind | undefined {
  if (signal?.aborted) return 'cancelled';
  for (const link of errorChain(error)) {
    const code = typeof link.code === 'string' ? link.code : '';
    if (TIMEOUT_CODES.has(code)) return 'timeout';
    if (NETWORK_CODES.has(code) || code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL')) return 'network';
    if (link.constructor?.name === 'SocksClientError') return 'network';
    // undici's ProxyAgent reports a refused CONNECT tunnel this way.
    if (typeof link.message === 'string' && link.message.startsWith('Proxy response')) return 'network';
    if (link.name === 'AbortError' || code === 'UND_ERR_ABORTED') return 'cancelled';
  }
  return undefined;
}

/** A short, secret-free description of a transport error (codes and messages only). */
export function describeTransportError(error: unknown): string {
  for (const link of errorChain(error)) {
    const code = typeof link.code === 'string' ? link.code : undefined;
    const message = typeof link.message === 'string' ? link.message : undefined;
    if (code || message) return [code, message].filter(Boolean).join(': ');
  }
  return String(error);
}

/** Seconds from a Retry-After header (delta-seconds or HTTP date); undefined when absent or unusable. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined || raw.trim() === '') return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return seconds >= 0 ? Math.ceil(seconds) : undefined;
  const date = Date.parse(raw);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}
