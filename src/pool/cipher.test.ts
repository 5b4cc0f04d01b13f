import { describe, expect, it } from 'vitest';
import { createSecretCipher, SecretCipherError } from './cipher.js';

const SECRET = 'a-very-long-app-secret-0123456789';

describe('secret cipher', () => {
  it('round-trips and uses a fresh IV each time', () => {
    const cipher = createSecretCipher(SECRET);
    const text = JSON.stringify({ accessToken: 'eyJ.secret.token', note: 'ünïcode ✓' });
    const first = cipher.encrypt(text);
    const second = cipher.encrypt(text);
    expect(first).toMatch(/^v1:[A-Za-z0-9_-]+$/);
    expect(first).not.toBe(second);
    expect(first).not.toContain('secret');
    expect(cipher.decrypt(first)).toBe(text);
    expect(createSecretCipher(SECRET).decrypt(second)).toBe(text);
  });

  it('rejects a tampered blob', () => {
    const cipher = createSecretCipher(SECRET);
    const blob = cipher.encrypt('hello world');
    const raw = Buffer.from(blob.slice(3), 'base64url');
    raw[raw.length - 1] = raw[raw.length - 1]! ^ 1;
    expect(() => cipher.decrypt(`v1:${raw.toString('base64url')}`)).toThrow(SecretCipherError);
    const tag = Buffer.from(blob.slice(3), 'base64url');
    tag[14] = tag[14]! ^ 0x80;
    expect(() => cipher.decrypt(`v1:${tag.toString('base64url')}`)).toThrow(/authentication/);
  });

  it('rejects another key, another version and truncation', () => {
    const blob = createSecretCipher(SECRET).encrypt('hello');
    expect(() => createSecretCipher(`${SECRET}x`).decrypt(blob)).toThrow(SecretCipherError);
    expect(() => createSecretCipher(SECRET).decrypt(blob.replace('v1:', 'v2:'))).toThrow(/format/);
    expect(() => createSecretCipher(SECRET).decrypt('v1:AAAA')).toThrow(/truncated/);
  });

  it('refuses an empty app_secret', () => {
    expect(() => createSecretCipher('')).toThrow(SecretCipherError);
  });
});
