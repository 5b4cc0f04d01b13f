/**
 * The encrypted per-account secrets blob as kept by the store (accounts.credentials). It is one
 * JSON object encrypted with the SecretCipher. The credential manager owns the `obtained` key
 * and keeps every other key as it found it, so runtime account credentials may live beside it.
 */
import type { SecretCipher } from './cipher.js';
import type { PoolLogger } from './types.js';

/** Persistence of the encrypted blob; implemented by the store. Never sees plaintext. */
export interface CredentialStore {
  load(name: string): Promise<string | undefined>;
  save(name: string, encrypted: string): Promise<void>;
}

export interface ObtainedTokens {
  accessToken?: string;
  /** ms since the epoch */
  expiresAt?: number;
  obtainedAt?: number;
  /** Latest session token (rotated by the upstream, or from a password login). */
  sessionToken?: string;
  /** Latest refresh token (rotated by the upstream). */
  refreshToken?: string;
  /** Fingerprint of a configured access_token the upstream refused: do not use it again. */
  rejectedConfigToken?: string;
}

export interface AccountSecrets {
  obtained?: ObtainedTokens;
  [other: string]: unknown;
}

export interface BlobContext {
  store: CredentialStore;
  cipher: SecretCipher;
  logger?: PoolLogger;
}

export async function loadSecrets(ctx: BlobContext, name: string): Promise<AccountSecrets> {
  const encrypted = await ctx.store.load(name);
  if (!encrypted) return {};
  try {
    const parsed: unknown = JSON.parse(ctx.cipher.decrypt(encrypted));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as AccountSecrets)
      : {};
  } catch (error) {
    // Usually app_secret changed: the stored tokens are lost, the account gets new ones.
    ctx.logger?.warn(
      { account: name, error: error instanceof Error ? error.message : 'unreadable' },
      'stored credentials could not be decrypted; ignoring them',
    );
    return {};
  }
}

export async function saveSecrets(
  ctx: BlobContext,
  name: string,
  update: (current: AccountSecrets) => AccountSecrets,
): Promise<AccountSecrets> {
  const next = update(await loadSecrets(ctx, name));
  await ctx.store.save(name, ctx.cipher.encrypt(JSON.stringify(next)));
  return next;
}
