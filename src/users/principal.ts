/** Who is making a request, once their key has been checked. */
export interface Principal {
  userId: string;
  username: string;
  plus: boolean;
  admin: boolean;
  client: boolean;
  /** How they proved it: the configured admin key, or a user key. */
  via: 'admin_key' | 'user_key';
  limits: UserLimits;
}

export interface UserLimits {
  requests_per_minute?: number;
  requests_per_day?: number;
  /** Public model names this user may use; absent: all that their plus permission allows. */
  models?: string[];
}

/** The built-in user that the configured admin key acts as. */
export const ADMIN_USER_ID = 'admin';
