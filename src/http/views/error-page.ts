import { escapeHtml } from './html.js';

export interface ErrorPageInput {
  status: number;
  message: string;
  requestId: string;
}

/** A self-contained error page: no script, no external resources, only escaped text. */
export function renderErrorPage({ status, message, requestId }: ErrorPageInput): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Error ${status}</title></head>
<body><main><h1>Error ${status}</h1><p>${escapeHtml(message)}</p>
<p><small>Request id: <code>${escapeHtml(requestId)}</code></small></p>
<p><a href="/chat">Back to chat</a></p></main></body></html>`;
}
