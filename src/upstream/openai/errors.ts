/**
 * Turns OpenAI-compatible error answers (`{"error":{message,type,param,code}}`, or the looser
 * shapes of Ollama/llama.cpp/vLLM) and transport failures into classified UpstreamErrors.
 */
import { redact } from '../../redact.js';
import { UpstreamError, type ProviderAccount } from '../types.js';
import { classifyTransportError, describeTransportError, parseRetryAfter } from '../http/transport-errors.js';

export const DEFAULT_RATE_LIMIT_SECONDS = 60;
/** insufficient_quota does not clear by waiting a minute: keep the key out of rotation for long. */
export const QUOTA_EXHAUSTED_SECONDS = 3600;

const MAX_MESSAGE_LENGTH = 300;

interface ParsedErrorBody {
  message: string | undefined;
  type: string | undefined;
  code: string | undefined;
}

const asString = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : undefined;

export function parseErrorBody(text: string): ParsedErrorBody {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    const plain = text.trim();
    const looksLikeHtml = plain.startsWith('<');
    return { message: plain && !looksLikeHtml ? plain : undefined, type: undefined, code: undefined };
  }
  const record = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const inner = record.error ?? record.detail;
  if (typeof inner === 'object' && inner !== null) {
    const error = inner as Record<string, unknown>;
    return { message: asString(error.message), type: asString(error.type), code: asString(error.code) };
  }
  return {
    message: asString(inner) ?? asString(record.message),
    type: undefined,
    code: asString(record.code),
  };
}

const clip = (text: string): string =>
  text.length > MAX_MESSAGE_LENGTH ? `${text.slice(0, MAX_MESSAGE_LENGTH)}…` : text;

const CHALLENGE_MARKERS = ['<title>Just a moment...</title>', 'cf-please-wait', 'challenge-error-text'];

/** A reverse proxy (Cloudflare) in front of the API refused us: not the key's fault. */
function isChallengePage(
  status: number,
  response: { headers: Record<string, string | string[] | undefined>; bodyText: string },
): boolean {
  if (status !== 403 && status !== 503) return false;
  if (response.headers['cf-mitigated'] !== undefined) return true;
  return CHALLENGE_MARKERS.some((marker) => response.bodyText.includes(marker));
}

const prefix = (account: ProviderAccount): string => `OpenAI-compatible account "${account.name}"`;

export function errorFromHttpResponse(
  account: ProviderAccount,
  response: { statusCode: number; headers: Record<string, string | string[] | undefined>; bodyText: string },
): UpstreamError {
  const { statusCode: status } = response;
  const parsed = parseErrorBody(response.bodyText);
  const code = parsed.code ?? parsed.type;
  const detail = parsed.message ? `: ${clip(redact(parsed.message, [account.secret]))}` : '';
  const message = `${prefix(account)}: upstream answered HTTP ${status}${code ? ` (${code})` : ''}${detail}`;
  const base = { account: account.name, status, upstreamCode: code };

  if (isChallengePage(status, response)) {
    return new UpstreamError(
      'upstream_challenge',
      `${prefix(account)}: blocked by a Cloudflare challenge (HTTP ${status})`,
      base,
    );
  }
  if (status === 401 || status === 403) return new UpstreamError('auth_invalid', message, base);
  if (status === 429) {
    const quota = parsed.code === 'insufficient_quota' || parsed.type === 'insufficient_quota';
    const retryAfterSeconds = quota
      ? QUOTA_EXHAUSTED_SECONDS
      : (parseRetryAfter(response.headers['retry-after']) ?? DEFAULT_RATE_LIMIT_SECONDS);
    return new UpstreamError('rate_limited', message, { ...base, retryAfterSeconds });
  }
  if (status === 404) {
    return new UpstreamError('invalid_request', message, {
      ...base,
      upstreamCode: code ?? 'model_not_found',
    });
  }
  if (status === 400 || status === 413 || status === 422) {
    return new UpstreamError('invalid_request', message, base);
  }
  if (status === 408) return new UpstreamError('timeout', message, base);
  return new UpstreamError('upstream_error', message, base);
}

/**
 * The raw error may carry secrets in enumerable fields (the socks client keeps the proxy's
 * password in `error.options`), and loggers serialise causes: keep only code and message.
 */
function sanitizedCause(error: unknown, detail: string): Error {
  const code =
    typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : undefined;
  return Object.assign(new Error(detail), code ? { code } : {});
}

/** Wraps whatever a request or a body read threw; UpstreamErrors pass through unchanged. */
export function errorFromThrown(
  account: ProviderAccount,
  error: unknown,
  context: { signal: AbortSignal; afterFirstByte: boolean; step: string },
): UpstreamError {
  if (error instanceof UpstreamError) return error;
  const kind = classifyTransportError(error, context.signal) ?? 'network';
  const what =
    kind === 'cancelled'
      ? 'the request was cancelled'
      : kind === 'timeout'
        ? 'the upstream took too long to answer'
        : 'could not reach the upstream';
  const detail = clip(redact(describeTransportError(error), [account.secret]));
  return new UpstreamError(kind, `${prefix(account)}: ${what} (${context.step}: ${detail})`, {
    account: account.name,
    afterFirstByte: context.afterFirstByte,
    cause: sanitizedCause(error, detail),
  });
}

export function badResponse(account: ProviderAccount, what: string, afterFirstByte: boolean): UpstreamError {
  return new UpstreamError('bad_response', `${prefix(account)}: ${clip(redact(what, [account.secret]))}`, {
    account: account.name,
    afterFirstByte,
  });
}
