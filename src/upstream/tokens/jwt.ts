/**
 * Reads claims of a ChatGPT access token (a JWT) without verifying it: we only need to know
 * when to refresh and which account it belongs to; the upstream does the verification.
 */
const AUTH_CLAIM = 'https://api.openai.com/auth';

export function decodeJwtPayload(token: string): Record<string, unknown> | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The `exp` claim as a Date; undefined when the token is not a JWT or has no expiry. */
export function jwtExpiry(token: string): Date | undefined {
  const exp = decodeJwtPayload(token)?.exp;
  return typeof exp === 'number' && Number.isFinite(exp) ? new Date(exp * 1000) : undefined;
}

/** `["https://api.openai.com/auth"].chatgpt_account_id`, when present. */
export function jwtAccountId(token: string): string | undefined {
  const auth = decodeJwtPayload(token)?.[AUTH_CLAIM];
  if (typeof auth !== 'object' || auth === null) return undefined;
  const id = (auth as Record<string, unknown>).chatgpt_account_id;
  return typeof id === 'string' && id ? id : undefined;
}
