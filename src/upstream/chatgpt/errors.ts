/**
 * Classifies ChatGPT web failures (protocol §1.5) into UpstreamError kinds. Every message names
 * the account and is redacted, because upstream bodies may echo credentials.
 */
import { redact } from '../../redact.js';
import { UpstreamError, isUpstreamError } from '../types.js';
import type { ProviderAccount, UpstreamErrorOptions, UpstreamFailureKind } from '../types.js';
import { isJsonObject } from './json-patch.js';

const DEFAULT_RATE_LIMIT_SECONDS = 3600;
const BUSY_PATTERN = /only one message at a time/i;
const CLOUDFLARE_PATTERN = /<title>\s*just a moment\.\.\.\s*<\/title>|cf-please-wait|challenge-error-text/i;
const UNUSUAL_ACTIVITY_PATTERN = /unusual activity/i;

type HeaderValue = string | string[] | undefined;

export interface HttpFailure {
  status: number;
  headers: Record<string, HeaderValue>;
  body: string;
}

interface UpstreamDetail {
  code?: string;
  message: string;
  clearsIn?: number;
}

const headerText = (value: HeaderValue): string | undefined => (Array.isArray(value) ? value[0] : value);

function parseDetail(body: string): UpstreamDetail {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    const title = /<title>([^<]*)<\/title>/i.exec(body)?.[1];
    return { message: (title ?? body).replace(/\s+/g, ' ').trim().slice(0, 200) };
  }
  const detail = isJsonObject(parsed) ? (parsed.detail ?? parsed.error ?? parsed) : parsed;
  if (typeof detail === 'string') return { message: detail.slice(0, 300) };
  if (isJsonObject(detail)) {
    const code = typeof detail.code === 'string' ? detail.code : undefined;
    const message = typeof detail.message === 'string' ? detail.message : JSON.stringify(detail);
    const clearsIn = typeof detail.clears_in === 'number' ? detail.clears_in : undefined;
    return { code, message: message.slice(0, 300), clearsIn };
  }
  return { message: body.slice(0, 200) };
}

function retryAfterHeaderSeconds(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

function makeError(
  account: ProviderAccount,
  kind: UpstreamFailureKind,
  text: string,
  options: UpstreamErrorOptions,
): UpstreamError {
  const message = redact(`ChatGPT account "${account.name}": ${text}`, [account.secret]);
  return new UpstreamError(kind, message, { account: account.name, ...options });
}

function classifyStatus(
  failure: HttpFailure,
  detail: UpstreamDetail,
): [UpstreamFailureKind, string | undefined] {
  const { status, body } = failure;
  if (BUSY_PATTERN.test(body)) return ['account_busy', detail.code];
  if (status === 401) return [detail.code === 'token_expired' ? 'auth_expired' : 'auth_invalid', detail.code];
  if (status === 403) {
    if (headerText(failure.headers['cf-mitigated']) !== undefined || CLOUDFLARE_PATTERN.test(body)) {
      return ['upstream_challenge', 'cloudflare'];
    }
    if (UNUSUAL_ACTIVITY_PATTERN.test(body)) return ['upstream_challenge', 'unusual_activity'];
    return ['upstream_challenge', detail.code];
  }
  if (status === 429) return ['rate_limited', detail.code];
  // A missing conversation or model is the request's fault; any other 404 is a wrong base URL.
  if (status === 404 && /conversation|model/i.test(body)) return ['invalid_request', detail.code];
  if (status === 400 || status === 413 || status === 422) return ['invalid_request', detail.code];
  return ['upstream_error', detail.code];
}

/** Turns a non-2xx answer into an UpstreamError. */
export function classifyHttpFailure(account: ProviderAccount, failure: HttpFailure): UpstreamError {
  const detail = parseDetail(failure.body);
  const [kind, upstreamCode] = classifyStatus(failure, detail);
  const retryAfterSeconds =
    kind === 'rate_limited'
      ? (detail.clearsIn ??
        retryAfterHeaderSeconds(headerText(failure.headers['retry-after'])) ??
        DEFAULT_RATE_LIMIT_SECONDS)
      : undefined;
  return makeError(account, kind, `HTTP ${failure.status}: ${detail.message || 'no details'}`, {
    status: failure.status,
    upstreamCode,
    retryAfterSeconds,
  });
}

/** A non-null `error` inside the event stream. Thrown without account; toUpstreamError adds it. */
export function classifyStreamError(error: unknown): UpstreamError {
  const text =
    typeof error === 'string'
      ? error
      : isJsonObject(error) && typeof error.message === 'string'
        ? error.message
        : JSON.stringify(error);
  const code = isJsonObject(error) && typeof error.code === 'string' ? error.code : undefined;
  const kind: UpstreamFailureKind = BUSY_PATTERN.test(text) ? 'account_busy' : 'upstream_error';
  return new UpstreamError(kind, `error in reply stream: ${text.slice(0, 300)}`, { upstreamCode: code });
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'ERR_SOCKS_CONNECTION_FAILED',
]);
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** Walks the cause chain: undici and fetch-socks wrap the socket error that matters. */
function thrownKind(error: unknown): UpstreamFailureKind | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && TIMEOUT_CODES.has(code)) return 'timeout';
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return 'network';
    if (/socks/i.test(current.name) || /socks/i.test(current.message)) return 'network';
    current = current.cause;
  }
  return undefined;
}

export interface FailureContext {
  account: ProviderAccount;
  signal?: AbortSignal;
  afterFirstByte?: boolean;
}

/** Normalises anything thrown during a call into an UpstreamError for this account. */
export function toUpstreamError(error: unknown, context: FailureContext): UpstreamError {
  const { account, signal } = context;
  const afterFirstByte = context.afterFirstByte ?? false;
  if (isUpstreamError(error)) {
    if (error.account !== undefined && error.afterFirstByte === afterFirstByte) return error;
    const text =
      error.account === undefined ? error.message : error.message.replace(/^ChatGPT account "[^"]*": /, '');
    return makeError(account, error.kind, text, {
      status: error.status,
      retryAfterSeconds: error.retryAfterSeconds,
      upstreamCode: error.upstreamCode,
      afterFirstByte: afterFirstByte || error.afterFirstByte,
      cause: error.cause,
    });
  }
  if (signal?.aborted)
    return makeError(account, 'cancelled', 'request cancelled', { afterFirstByte, cause: error });
  const kind = thrownKind(error) ?? 'upstream_error';
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const prefix = kind === 'timeout' ? 'timed out' : kind === 'network' ? 'connection failed' : 'call failed';
  return makeError(account, kind, `${prefix} (${detail})`, { afterFirstByte, cause: error });
}
