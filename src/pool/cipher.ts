/**
 * Encrypts secrets at rest (obtained access tokens, rotated session/refresh tokens, runtime
 * account credentials) with AES-256-GCM. The key is derived from app_secret with HKDF-SHA-256,
 * so the settings file alone unlocks them and a database dump alone does not.
 * Output: `v1:<base64url(iv[12] | tag[16] | ciphertext)>`.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HKDF_SALT = 'chatgpt-api-server';
const HKDF_INFO = 'stored-credentials/v1';

export interface SecretCipher {
  encrypt(plaintext: string): string;
  /** Throws when the blob was tampered with, is malformed, or was made with another app_secret. */
  decrypt(blob: string): string;
}

export class SecretCipherError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretCipherError';
  }
}

export function createSecretCipher(appSecret: string): SecretCipher {
  if (appSecret.length === 0) throw new SecretCipherError('app_secret must not be empty');
  const key = Buffer.from(hkdfSync('sha256', appSecret, HKDF_SALT, HKDF_INFO, 32));

  return {
    encrypt(plaintext) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return VERSION + Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64url');
    },

    decrypt(blob) {
      if (!blob.startsWith(VERSION)) throw new SecretCipherError('Unknown encrypted secret format');
      const raw = Buffer.from(blob.slice(VERSION.length), 'base64url');
      if (raw.length < IV_BYTES + TAG_BYTES) throw new SecretCipherError('Encrypted secret is truncated');
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      try {
        return Buffer.concat([
          decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)),
          decipher.final(),
        ]).toString('utf8');
      } catch {
        throw new SecretCipherError(
          'Encrypted secret failed authentication (tampered, or another app_secret)',
        );
      }
    },
  };
}
