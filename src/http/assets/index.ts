import { createHash } from 'node:crypto';
import { APP_CSS } from './app-css.js';
import { APP_JS } from './app-js.js';

export interface Asset {
  body: string;
  contentType: string;
  etag: string;
  /** URL with a content hash, so it can be cached for long. */
  url: string;
}

function asset(path: string, body: string, contentType: string): Asset {
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
  return { body, contentType, etag: `"${hash}"`, url: `${path}?v=${hash}` };
}

export const ASSETS = {
  css: asset('/assets/app.css', APP_CSS, 'text/css; charset=utf-8'),
  js: asset('/assets/app.js', APP_JS, 'text/javascript; charset=utf-8'),
} as const;
