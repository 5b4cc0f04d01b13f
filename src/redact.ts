/**
 * Removes secrets from free text (upstream error bodies, messages bound for logs).
 * Known secrets are replaced verbatim; token-shaped strings are masked by pattern because an
 * upstream may echo a credential we never saw (e.g. a rotated one).
 */
const TOKEN_PATTERNS: RegExp[] = [
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, // JWTs (access tokens)
  /\bsk-[A-Za-z0-9_-]{12,}/g, // OpenAI-style API keys
  /\bcas_[A-Za-z0-9_-]{12,}/g, // our own user keys
  /\b(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi,
  /(session-token=)[^;\s"']+/gi,
  /("?(?:password|refresh_token|session_token|access_token|api_key|apikey|secret)"?\s*[:=]\s*"?)[^"&\s,}]+/gi,
];

export function redact(text: string, knownSecrets: readonly (string | undefined)[] = []): string {
  let out = text;
  for (const secret of knownSecrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join('[REDACTED]');
  }
  for (const pattern of TOKEN_PATTERNS) {
    out = out.replace(pattern, (match, prefix?: unknown) =>
      typeof prefix === 'string' && match.startsWith(prefix) ? `${prefix}[REDACTED]` : '[REDACTED]',
    );
  }
  return out;
}
