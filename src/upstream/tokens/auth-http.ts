/**
 * One HTTP exchange of the token flows: through the shared dispatcher of the account's proxy,
 * with timeouts, never following redirects (the flows read Set-Cookie on every hop).
 */
import { callUpstream } from '../http/call.js';
import type { DispatcherRegistry } from '../http/dispatchers.js';
import { describeProxy } from '../http/proxy-url.js';
import { classifyTransportError, describeTransportError } from '../http/transport-errors.js';
import { redact } from '../../redact.js';
import { TokenError } from './errors.js';
import type { CookieJar } from './cookie-jar.js';
import { anySignal } from '../../turn-signal.js';

export interface AuthHttpContext {
  dispatchers: DispatcherRegistry;
  userAgent: string;
  timeoutMs: number;
  proxy: string | undefined;
  signal: AbortSignal | undefined;
  /** Values to mask in any text that ends up in an error message. */
  secrets: readonly (string | undefined)[];
}

export interface AuthExchange {
  url: string;
  method?: 'GET' | 'POST';
  /** An object is sent as a form, a string as JSON. */
  body?: Record<string, string> | string;
  jar?: CookieJar;
  /** Names the step in error messages ("login blocked by a challenge at step password"). */
  step: string;
}

export interface AuthResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  url: string;
}

const CHALLENGE_MARKERS = [
  '<title>Just a moment...</title>',
  'cf-please-wait',
  'challenge-error-text',
  'cf-chl-',
];

export function isChallenge(response: AuthResponse): boolean {
  if (response.headers['cf-mitigated'] !== undefined) return true;
  return (
    (response.status === 403 || response.status === 503 || response.status === 429) &&
    CHALLENGE_MARKERS.some((marker) => response.text.includes(marker))
  );
}

export const safeText = (context: AuthHttpContext, text: string): string =>
  redact(text.replace(/\s+/g, ' ').trim(), context.secrets).slice(0, 200);

export async function exchange(context: AuthHttpContext, input: AuthExchange): Promise<AuthResponse> {
  const headers: Record<string, string> = {
    'user-agent': context.userAgent,
    accept: 'application/json, */*',
  };
  let body: string | undefined;
  if (typeof input.body === 'string') {
    headers['content-type'] = 'application/json';
    body = input.body;
  } else if (input.body) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(input.body).toString();
  }
  const cookie = input.jar?.header();
  if (cookie) headers.cookie = cookie;
  const timeout = AbortSignal.timeout(context.timeoutMs);
  const signal = context.signal ? anySignal([context.signal, timeout]) : timeout;
  try {
    const response = await callUpstream({
      dispatcher: context.dispatchers.get(context.proxy),
      url: input.url,
      method: input.method ?? (body === undefined ? 'GET' : 'POST'),
      headers,
      body,
      signal,
      headersTimeoutMs: context.timeoutMs,
      bodyTimeoutMs: context.timeoutMs,
    });
    const text = await response.body.text();
    input.jar?.absorb(response.headers['set-cookie']);
    return { status: response.statusCode, headers: response.headers, text, url: input.url };
  } catch (error) {
    const why = context.signal?.aborted
      ? 'cancelled'
      : timeout.aborted
        ? 'timed out'
        : (classifyTransportError(error) ?? 'network');
    const where = context.proxy ? ` through proxy ${describeProxy(context.proxy)}` : '';
    const host = safeHost(input.url);
    throw new TokenError(
      'network',
      `${input.step}: could not reach ${host}${where} (${why}: ${safeText(context, describeTransportError(error))})`,
    );
  }
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'the auth server';
  }
}

/** Parses a JSON object body, or throws a bad_response TokenError naming the step. */
export function jsonBody(
  context: AuthHttpContext,
  response: AuthResponse,
  step: string,
): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(response.text);
    if (typeof parsed === 'object' && parsed !== null) return parsed as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new TokenError(
    'bad_response',
    `${step}: expected JSON, got HTTP ${response.status}: ${safeText(context, response.text)}`,
    { status: response.status },
  );
}
