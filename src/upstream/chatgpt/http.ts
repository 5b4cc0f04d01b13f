/**
 * The one way this provider calls the ChatGPT backend: the shared upstream call on the account's
 * dispatcher, with the account's timeouts, the caller's signal and the browser-like headers.
 */
import { createHash } from 'node:crypto';
import { callAccount, type UpstreamResponse } from '../http/call.js';
import { UpstreamError } from '../types.js';
import type { ProviderAccount } from '../types.js';
import { classifyHttpFailure, toUpstreamError } from './errors.js';

export const DEFAULT_USER_AGENT =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

/** Largest error body read into memory; the rest is discarded. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;

/** A stable uuid-shaped id derived from the account name when none is configured. */
function derivedDeviceId(name: string): string {
  const hex = createHash('sha256').update(`chatgpt-device:${name}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export function baseHeaders(account: ProviderAccount): Record<string, string> {
  return {
    authorization: `Bearer ${account.secret}`,
    'content-type': 'application/json',
    accept: 'application/json',
    'user-agent': account.userAgent ?? DEFAULT_USER_AGENT,
    'oai-device-id': account.deviceId ?? derivedDeviceId(account.name),
    'oai-language': 'en-US',
  };
}

export interface CallInput {
  account: ProviderAccount;
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  signal: AbortSignal;
}

/** Sends a call; returns the response only when it is 2xx, otherwise throws a classified error. */
export async function send(input: CallInput): Promise<UpstreamResponse> {
  const { account, signal } = input;
  let response: UpstreamResponse;
  try {
    response = await callAccount(account, {
      method: input.method,
      path: input.path,
      headers: { ...baseHeaders(account), ...input.headers },
      body: input.body === undefined ? undefined : JSON.stringify(input.body),
      signal,
    });
  } catch (error) {
    throw toUpstreamError(error, { account, signal });
  }
  if (response.statusCode >= 200 && response.statusCode < 300) return response;
  const body = await response.body.textUpTo(MAX_ERROR_BODY_BYTES);
  throw classifyHttpFailure(account, { status: response.statusCode, headers: response.headers, body });
}

/** Sends a call and parses its JSON answer; a body that is not JSON is a bad_response. */
export async function sendForJson(input: CallInput): Promise<unknown> {
  const response = await send(input);
  let text: string;
  try {
    text = await response.body.text();
  } catch (error) {
    response.body.destroy();
    throw toUpstreamError(error, { account: input.account, signal: input.signal });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const failure = new UpstreamError('bad_response', `${input.path} did not answer JSON`, {
      status: response.statusCode,
      cause: error,
    });
    throw toUpstreamError(failure, { account: input.account });
  }
}
