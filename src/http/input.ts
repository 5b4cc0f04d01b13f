/**
 * Edge validation: one zod schema per route, and the route's types come from it. Failures become
 * a 400 that names the field, rendered by the one error handler.
 */
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError } from '../errors.js';

export function parseInput<S extends z.ZodType>(schema: S, data: unknown): z.infer<S> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.map(String).join('.') || undefined;
  const message = field
    ? `Invalid value for '${field}': ${issue?.message ?? 'invalid'}`
    : (issue?.message ?? 'Invalid request');
  throw new AppError(400, 'invalid_request', message, {
    field,
    details: {
      issues: result.error.issues.map((i) => ({ field: i.path.map(String).join('.'), message: i.message })),
    },
  });
}

const TRUE_WORDS = new Set(['true', '1', 'yes', 'on']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off', '']);

/** A boolean as the original's users send it: true/false/1/0/yes/no in any case, or JSON booleans. */
export const flag = z.union([z.boolean(), z.number(), z.string()]).transform((value, ctx) => {
  if (typeof value === 'boolean') return value;
  const word = String(value).trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  ctx.addIssue({ code: 'custom', message: 'expected true or false' });
  return z.NEVER;
});

/** A single string parameter (query strings may repeat a name; the first one wins). */
export const text = z.preprocess((v) => (Array.isArray(v) ? v[0] : v), z.string());

/** Query and body merged into one object; the body wins. */
export function requestParams(request: FastifyRequest): Record<string, unknown> {
  const query = (request.query ?? {}) as Record<string, unknown>;
  const body = request.body;
  if (body && typeof body === 'object' && !Array.isArray(body))
    return { ...query, ...(body as Record<string, unknown>) };
  if (body !== undefined && body !== null && typeof body !== 'object') {
    throw new AppError(400, 'invalid_request', 'The request body must be a JSON object or a form');
  }
  if (Array.isArray(body))
    throw new AppError(400, 'invalid_request', 'The request body must be a JSON object, not an array');
  return query;
}

/** The bearer token of the Authorization header, if any. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/** A key given as a parameter (the original's `?admin=` / `?user=`) or as a Bearer token. */
export function credentialFrom(request: FastifyRequest, param: string): string | undefined {
  const value = requestParams(request)[param];
  const fromParam = Array.isArray(value) ? value[0] : value;
  if (typeof fromParam === 'string' && fromParam !== '') return fromParam;
  return bearerToken(request);
}
