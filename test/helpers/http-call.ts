/**
 * One HTTP call to a server under test, in-process (the stack's `call`) or a child process:
 * a GET, a POST of JSON or of a form, and the answer's body as text and, if it is JSON, parsed.
 */
import { request } from 'undici';

export interface CallInit {
  method?: string;
  json?: unknown;
  form?: string;
  /** A body sent as it is, with the caller's own content type (malformed JSON, XML…). */
  body?: string;
  headers?: Record<string, string>;
  /** For the headers and for the body each (undici's defaults otherwise). */
  timeoutMs?: number;
}

export interface CallResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: Record<string, unknown> | undefined;
}

export async function httpCall(url: string, init: CallInit = {}): Promise<CallResult> {
  const headers: Record<string, string> = { ...init.headers };
  let body = init.body;
  if (init.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(init.json);
  } else if (init.form !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = init.form;
  }
  const res = await request(url, {
    method: (init.method ?? (body ? 'POST' : 'GET')) as 'GET',
    headers,
    body,
    headersTimeout: init.timeoutMs,
    bodyTimeout: init.timeoutMs,
  });
  const text = await res.body.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, headers: res.headers, text, json };
}
