/**
 * What an admin may set on a user, checked the same way by the admin API, the admin pages and
 * the CLI.
 */
import { z } from 'zod';

/** `limits.requests_per_minute` and `limits.requests_per_day`. */
export const requestLimit = z.coerce.number().int().positive().max(1_000_000_000);

/** `limits.models`: the public model names a user may use, each once. */
export const allowedModels = z
  .array(z.string().trim().min(1).max(200))
  .min(1, "list at least one model, or leave out 'models' to allow all")
  .max(100)
  .transform((names) => [...new Set(names)]);

/** The same as one text (a form field, a command-line flag): names separated by commas; empty: all. */
export const modelNameList = z.preprocess((v) => {
  const names = String((Array.isArray(v) ? v[0] : v) ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  return names.length > 0 ? names : undefined;
}, allowedModels.optional());

/**
 * `key_expires_at`: when the user's key stops working, an ISO 8601 date (00:00 UTC that day) or
 * date-time with its zone, in the future; null or '' for never. Epoch milliseconds once parsed.
 */
export const keyExpiry = z
  .preprocess(
    (v) => (Array.isArray(v) ? v[0] : v) || null,
    z.union([z.null(), z.iso.date(), z.iso.datetime({ offset: true })], {
      error: 'expected an ISO 8601 date, or a date-time with its zone (Z or +01:00)',
    }),
  )
  .transform((value, ctx): number | null => {
    if (value === null) return null;
    const at = Date.parse(value);
    if (at <= Date.now()) {
      ctx.addIssue({
        code: 'custom',
        message: 'must be in the future (to stop a key now, disable or rotate)',
      });
      return z.NEVER;
    }
    return at;
  });
