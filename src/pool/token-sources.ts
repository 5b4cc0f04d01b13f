/**
 * Gets a new access token for a ChatGPT web account from whatever it has, in order: the latest
 * (rotated) session token, the configured session token, refresh tokens, then email + password.
 */
import type { AccountConfig } from '../config/types.js';
import { redact } from '../redact.js';
import { isTokenError, jwtExpiry } from '../upstream/tokens/index.js';
import type { AccessTokenResult, TokenService } from '../upstream/tokens/index.js';
import { UpstreamError } from '../upstream/types.js';
import type { UpstreamFailureKind } from '../upstream/types.js';
import type { ObtainedTokens } from './credential-blob.js';

export type TokenServiceLike = Pick<
  TokenService,
  'fromSessionToken' | 'fromRefreshToken' | 'fromCredentials'
>;

const TOKEN_ERROR_KINDS: Record<string, UpstreamFailureKind> = {
  wrong_credentials: 'auth_invalid',
  expired: 'auth_invalid',
  challenge: 'upstream_challenge',
  network: 'network',
  bad_response: 'bad_response',
};

export const NO_SOURCES = 'no session token, refresh token or email/password';

export function hasTokenSources(account: AccountConfig, stored: ObtainedTokens | undefined): boolean {
  const tokens = [stored?.sessionToken, stored?.refreshToken, account.session_token, account.refresh_token];
  return tokens.some(Boolean) || Boolean(account.email && account.password);
}

export interface ObtainInput {
  tokens: TokenServiceLike;
  account: AccountConfig;
  stored: ObtainedTokens;
  now: number;
  /** Lifetime assumed for a token without `exp`. */
  defaultLifetimeMs: number;
  signal: AbortSignal | undefined;
}

/**
 * Tries each source until one works. Throws an UpstreamError (kind from the last failure, all
 * reasons redacted in the message) when none does.
 */
export async function obtainTokens(input: ObtainInput): Promise<ObtainedTokens> {
  const { tokens, account, stored, signal } = input;
  const call = { proxy: account.proxy, signal };
  const fresh = (got: AccessTokenResult): ObtainedTokens => ({
    ...stored,
    accessToken: got.accessToken,
    expiresAt:
      got.expiresAt?.getTime() ??
      jwtExpiry(got.accessToken)?.getTime() ??
      input.now + input.defaultLifetimeMs,
    obtainedAt: input.now,
  });
  const attempts: (() => Promise<ObtainedTokens>)[] = [];
  for (const sessionToken of new Set([stored.sessionToken, account.session_token])) {
    if (!sessionToken) continue;
    attempts.push(async () => {
      const got = await tokens.fromSessionToken({ sessionToken, ...call });
      return { ...fresh(got), sessionToken: got.sessionToken ?? sessionToken };
    });
  }
  for (const refreshToken of new Set([stored.refreshToken, account.refresh_token])) {
    if (!refreshToken) continue;
    attempts.push(async () => {
      const got = await tokens.fromRefreshToken({ refreshToken, ...call });
      return { ...fresh(got), refreshToken: got.refreshToken ?? refreshToken };
    });
  }
  const { email, password } = account;
  if (email && password) {
    attempts.push(async () => {
      const got = await tokens.fromCredentials({ email, password, ...call });
      return { ...fresh(got), sessionToken: got.sessionToken ?? stored.sessionToken };
    });
  }

  const reasons: string[] = [];
  let kind: UpstreamFailureKind = 'auth_invalid';
  const secrets = [
    password,
    account.session_token,
    account.refresh_token,
    stored.sessionToken,
    stored.refreshToken,
  ];
  for (const attempt of attempts) {
    try {
      return await attempt();
    } catch (error) {
      if (signal?.aborted) throw error;
      reasons.push(redact(error instanceof Error ? error.message : String(error), secrets));
      kind = isTokenError(error) ? (TOKEN_ERROR_KINDS[error.code] ?? 'auth_invalid') : 'network';
    }
  }
  const reason = reasons.length > 0 ? reasons.join('; ') : NO_SOURCES;
  throw new UpstreamError(kind, `Account ${account.name}: could not obtain an access token (${reason})`, {
    account: account.name,
  });
}
