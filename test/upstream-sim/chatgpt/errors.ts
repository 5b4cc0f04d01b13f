/** ChatGPT web error answers, shaped as in UPSTREAM-PROTOCOL.md §1.5. */
import type { ServerResponse } from 'node:http';
import { sendHtml, sendJson } from '../http-util.js';
import type { PreResponseFault } from '../types.js';

export const BUSY_DETAIL =
  'Only one message at a time. Please allow any other responses to complete before sending another message, or wait one minute.';
export const UNUSUAL_ACTIVITY_DETAIL =
  'Unusual activity has been detected from your device. Try again later. (8f3a1c2b9d4e5f60-IAD)';
export const HOURLY_LIMIT_DETAIL = 'Too many requests in 1 hour. Try again later.';

export const CLOUDFLARE_HTML = `<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8"><meta name="robots" content="noindex,nofollow">
</head><body><div class="main-wrapper" role="main"><div class="main-content">
<h1 class="zone-name-title h1">chatgpt.com</h1><h2 class="h2" id="challenge-body-text">Verifying you are human.</h2>
<div id="challenge-error-text">Enable JavaScript and cookies to continue</div>
<div id="cf-please-wait">Please wait...</div></div></div></body></html>`;

const TIMEOUT_524_HTML = `<!DOCTYPE html><html><head><title>chatgpt.com | 524: A timeout occurred</title></head>
<body><h1>A timeout occurred</h1><p>Error code 524</p></body></html>`;
const BAD_GATEWAY_HTML = `<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>cloudflare</center></body></html>`;

export function sendDetail(
  res: ServerResponse,
  status: number,
  detail: unknown,
  headers?: Record<string, string>,
): void {
  sendJson(res, status, { detail }, headers);
}

export function sendTokenExpired(res: ServerResponse): void {
  sendDetail(res, 401, {
    message: 'Your authentication token has expired. Please try signing in again.',
    type: 'invalid_request_error',
    param: null,
    code: 'token_expired',
  });
}

export function sendMissingAuth(res: ServerResponse): void {
  sendDetail(res, 401, { message: 'Missing or invalid access token.', code: 'invalid_jwt' });
}

export function sendCloudflare(res: ServerResponse): void {
  sendHtml(res, 403, CLOUDFLARE_HTML, { 'cf-mitigated': 'challenge', 'cf-ray': '8f3a1c2b9d4e5f60-IAD' });
}

export function sendServerError(res: ServerResponse, status: number): void {
  if (status === 524) sendHtml(res, 524, TIMEOUT_524_HTML);
  else if (status === 502) sendHtml(res, 502, BAD_GATEWAY_HTML);
  else sendDetail(res, status, status === 503 ? 'Service temporarily unavailable.' : 'Internal server error');
}

/** Writes a ChatGPT-style answer for a pre-response fault; 'hang' writes nothing. */
export function writeChatgptFault(res: ServerResponse, fault: PreResponseFault): void {
  switch (fault.type) {
    case 'rate_limit': {
      const headers: Record<string, string> =
        fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {};
      const detail =
        fault.clearsIn !== undefined
          ? {
              clears_in: fault.clearsIn,
              code: 'model_cap_exceeded',
              message: "You've reached the current usage cap for this model. Please try again later.",
            }
          : HOURLY_LIMIT_DETAIL;
      sendDetail(res, 429, detail, headers);
      return;
    }
    case 'token_expired':
      sendTokenExpired(res);
      return;
    case 'cloudflare':
      sendCloudflare(res);
      return;
    case 'unusual_activity':
      sendDetail(res, 403, UNUSUAL_ACTIVITY_DETAIL);
      return;
    case 'busy':
      sendDetail(res, 429, BUSY_DETAIL);
      return;
    case 'server_error':
      sendServerError(res, fault.status ?? 500);
      return;
    case 'hang':
      return;
  }
}
