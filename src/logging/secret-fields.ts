/**
 * Censors secret-named fields one level below a log line's top-level keys (`{ account: {
 * api_key } }`) and credential headers in any `headers` object there, as pino's `redact` paths
 * `*.api_key`, `req.headers.authorization` … did. pino's redact clones and re-serialises every
 * object-valued key of every line for its wildcards, about 20 µs a request; this only reads
 * the keys and copies a value when it holds a secret, which no hot-path line does.
 */
const SECRET_FIELDS = ['password', 'access_token', 'session_token', 'refresh_token', 'api_key'];
const SECRET_HEADERS = ['authorization', 'cookie', 'x-api-key', 'set-cookie'];
export const CENSORED = '[REDACTED]';

type Fields = Record<string, unknown>;

const isObject = (value: unknown): value is Fields =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

function holdsAny(value: Fields, keys: readonly string[]): boolean {
  for (const key of keys) if (value[key] !== undefined) return true;
  return false;
}

function censored(value: Fields, keys: readonly string[]): Fields {
  // An Error's message and stack are not own enumerable keys: keep them in the copy.
  const copy: Fields =
    value instanceof Error
      ? { ...value, type: value.name, message: value.message, stack: value.stack }
      : { ...value };
  for (const key of keys) if (copy[key] !== undefined) copy[key] = CENSORED;
  return copy;
}

function censorValue(value: Fields): Fields {
  let out = holdsAny(value, SECRET_FIELDS) ? censored(value, SECRET_FIELDS) : value;
  const headers = out['headers'];
  if (isObject(headers) && holdsAny(headers, SECRET_HEADERS)) {
    out = out === value ? censored(value, []) : out;
    out['headers'] = censored(headers, SECRET_HEADERS);
  }
  return out;
}

/** pino `formatters.log`: returns the line's fields, copied only where a secret was censored. */
export function censorSecretFields(fields: Fields): Fields {
  let out = fields;
  for (const key in fields) {
    const value = fields[key];
    if (!isObject(value)) continue;
    const clean = censorValue(value);
    if (clean === value) continue;
    if (out === fields) out = { ...fields };
    out[key] = clean;
  }
  return out;
}
