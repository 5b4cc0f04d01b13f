/**
 * Limits at the edge, applied before a handler runs: header size and slow-client timeouts (node),
 * body size (fastify, from Content-Length before reading when it is given), form field count,
 * query parameter count and JSON nesting depth. Values come from the `limits` config section;
 * docs/SECURITY.md lists them.
 */
import type { ServerOptions } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import type { FastifyInstance } from 'fastify';
import { DEFAULT_LIMITS } from '../config/schema.js';
import type { LimitsConfig } from '../config/types.js';
import { AppError } from '../errors.js';

export type ResolvedLimits = Required<LimitsConfig>;

/** The limits with every optional key filled with its documented default. */
export function resolveLimits(limits: LimitsConfig): ResolvedLimits {
  const filled = { ...DEFAULT_LIMITS };
  for (const [key, value] of Object.entries(limits) as [keyof LimitsConfig, number | undefined][])
    if (value !== undefined) filled[key] = value;
  return filled;
}

/**
 * Options for node's http.createServer. requestTimeout ends a request whose headers and body
 * are not all received in time (a client trickling one byte a second); node only checks it
 * every connectionsCheckingInterval, so that interval follows the timeout.
 */
export function httpServerOptions(limits: ResolvedLimits): ServerOptions {
  const requestTimeout = limits.request_timeout_ms;
  return {
    maxHeaderSize: limits.max_header_bytes,
    requestTimeout,
    headersTimeout: Math.min(requestTimeout, 60_000),
    connectionsCheckingInterval: Math.min(30_000, Math.max(100, Math.floor(requestTimeout / 4))),
  };
}

const tooMany = (what: string, limit: number, status = 413) =>
  new AppError(status, 'too_many_fields', `Too many ${what} (at most ${limit})`, { details: { limit } });

/** Count `&`-separated parts without building anything. */
function countParts(text: string, limit: number): number {
  let count = text.length > 0 ? 1 : 0;
  for (let i = text.indexOf('&'); i !== -1 && count <= limit; i = text.indexOf('&', i + 1)) count += 1;
  return count;
}

/** The urlencoded form parser for @fastify/formbody: repeated names become arrays, like before. */
export function formParser(limits: ResolvedLimits): (body: string) => Record<string, unknown> {
  return (body) => {
    if (countParts(body, limits.max_form_fields) > limits.max_form_fields)
      throw tooMany('form fields', limits.max_form_fields);
    return { ...parseQuery(body, '&', '=', { maxKeys: limits.max_form_fields }) };
  };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the JSON parser: the body's text holds no `\u0000` escape, so no NUL anywhere. */
    jsonWithoutNul: boolean;
  }
}

/** Deepest nesting of arrays/objects in a JSON text, stopping once past `limit`. */
export function jsonDepth(text: string, limit: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i += 1; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      depth += 1;
      if (depth > deepest) deepest = depth;
      if (deepest > limit) return deepest;
    } else if (c === 0x7d || c === 0x5d) depth -= 1;
  }
  return deepest;
}

/** True when a NUL character hides anywhere in a parsed value (PostgreSQL text cannot hold one). */
export function containsNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (!value || typeof value !== 'object' || depth > 200) return false;
  for (const [key, item] of Object.entries(value))
    if (key.includes('\u0000') || containsNul(item, depth + 1)) return true;
  return false;
}

/** Registers the JSON depth check, the query parameter count check and the form parser limit. */
export function registerEdgeLimits(app: FastifyInstance, limits: ResolvedLimits): void {
  app.decorateRequest('jsonWithoutNul', false);
  const defaultJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (jsonDepth(text, limits.max_json_depth) > limits.max_json_depth) {
      done(
        new AppError(400, 'json_too_deep', `JSON body nested deeper than ${limits.max_json_depth} levels`),
        undefined,
      );
      return;
    }
    // JSON cannot carry a raw NUL (control characters must be escaped), so a text without the
    // escape needs no walk of its parsed body below: a long message list is a long walk.
    request.jsonWithoutNul = !text.includes('\\u0000');
    defaultJson(request, text, done);
  });
  app.addHook('onRequest', (request, _reply, done) => {
    const at = request.url.indexOf('?');
    if (at === -1) return done();
    const query = request.url.slice(at + 1);
    if (countParts(query, limits.max_query_params) > limits.max_query_params)
      return done(tooMany('query parameters', limits.max_query_params, 400));
    done();
  });
  // One answer for NUL bytes on every route and engine, instead of a storage error on some.
  app.addHook('preValidation', (request, _reply, done) => {
    if (
      containsNul(request.query) ||
      containsNul(request.params) ||
      (!request.jsonWithoutNul && containsNul(request.body))
    )
      return done(new AppError(400, 'invalid_request', 'NUL characters are not allowed in requests'));
    done();
  });
}
