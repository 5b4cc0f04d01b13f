import type { UserWithKey } from '../store/index.js';
import type { UserLimits } from './principal.js';

/** The public shape of a user. Lists fields on purpose: a row is never sent as it is. */
export interface UserView {
  user_id: string;
  username: string;
  plus: boolean;
  admin: boolean;
  client: boolean;
  disabled: boolean;
  limits: UserLimits;
  created_by: string | null;
  created_at: string;
  key_last4: string | null;
  /** ISO 8601; null: the key never expires (or there is no key). */
  key_expires_at: string | null;
}

export function parseLimits(raw: string | null): UserLimits {
  if (!raw) return {};
  try {
    const value = JSON.parse(raw) as UserLimits;
    return typeof value === 'object' && value !== null ? value : {};
  } catch {
    return {};
  }
}

export function presentUser({ user, keyLast4, keyExpiresAt }: UserWithKey): UserView {
  return {
    user_id: user.id,
    username: user.username,
    plus: user.is_plus === 1,
    admin: user.is_admin === 1,
    client: user.is_client === 1,
    disabled: user.disabled === 1,
    limits: parseLimits(user.limits),
    created_by: user.created_by,
    created_at: new Date(user.created_at).toISOString(),
    key_last4: keyLast4,
    key_expires_at: keyExpiresAt === null ? null : new Date(keyExpiresAt).toISOString(),
  };
}
