/** OpenAI API error answers: {"error":{message,type,param,code}} (§3). */
import type { ServerResponse } from 'node:http';
import { CLOUDFLARE_HTML } from './chatgpt/errors.js';
import { sendHtml, sendJson } from './http-util.js';
import type { PreResponseFault } from './types.js';

export function sendOpenaiError(
  res: ServerResponse,
  status: number,
  error: { message: string; type: string; code: string | null; param?: string | null },
  headers?: Record<string, string>,
): void {
  sendJson(
    res,
    status,
    { error: { message: error.message, type: error.type, param: error.param ?? null, code: error.code } },
    headers,
  );
}

export function sendInvalidApiKey(res: ServerResponse): void {
  sendOpenaiError(res, 401, {
    message:
      'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.',
    type: 'invalid_request_error',
    code: 'invalid_api_key',
  });
}

/** Writes an OpenAI-style answer for a pre-response fault; 'hang' writes nothing. */
export function writeOpenaiFault(res: ServerResponse, fault: PreResponseFault): void {
  switch (fault.type) {
    case 'rate_limit': {
      const seconds = fault.retryAfter ?? fault.clearsIn ?? 20;
      sendOpenaiError(
        res,
        429,
        {
          message: `Rate limit reached. Please try again in ${seconds}s.`,
          type: 'requests',
          code: 'rate_limit_exceeded',
        },
        { 'retry-after': String(seconds) },
      );
      return;
    }
    case 'token_expired':
      sendInvalidApiKey(res);
      return;
    case 'cloudflare':
      sendHtml(res, 403, CLOUDFLARE_HTML, { 'cf-mitigated': 'challenge' });
      return;
    case 'unusual_activity':
      sendOpenaiError(res, 403, {
        message: 'Country, region, or territory not supported',
        type: 'request_forbidden',
        code: 'unsupported_country_region_territory',
      });
      return;
    case 'busy':
      sendOpenaiError(res, 429, {
        message: 'Too many concurrent requests for this key. Please retry shortly.',
        type: 'requests',
        code: 'rate_limit_exceeded',
      });
      return;
    case 'server_error': {
      const status = fault.status ?? 500;
      sendOpenaiError(res, status, {
        message: 'The server had an error while processing your request. Sorry about that!',
        type: 'server_error',
        code: null,
      });
      return;
    }
    case 'hang':
      return;
  }
}
