/** JWT-shaped access tokens and session tokens issued by the simulator. */
import { createHmac, randomBytes } from 'node:crypto';
import type { AccountRecord, SimState } from '../state.js';

export const SESSION_COOKIE = '__Secure-next-auth.session-token';
export const ACCESS_TOKEN_LIFETIME_SECONDS = 10 * 24 * 3600;
const SIGNING_KEY = 'upstream-sim-signing-key';

const base64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Issues a new access token for the account; it becomes a valid Bearer token at once. */
export function issueAccessToken(state: SimState, account: AccountRecord): string {
  const iat = Math.floor(Date.now() / 1000);
  const header = base64url({ alg: 'RS256', typ: 'JWT', kid: 'sim' });
  const payload = base64url({
    aud: ['https://api.openai.com/v1'],
    client_id: 'app_sim',
    exp: iat + ACCESS_TOKEN_LIFETIME_SECONDS,
    iat,
    iss: 'https://auth.openai.com',
    jti: randomBytes(8).toString('hex'),
    'https://api.openai.com/auth': {
      chatgpt_account_id: account.accountId,
      chatgpt_plan_type: account.plus ? 'plus' : 'free',
      user_id: account.userId,
    },
    'https://api.openai.com/profile': {
      email: account.email ?? `${account.userId}@example.test`,
      email_verified: true,
    },
    scp: ['openid', 'email', 'profile', 'offline_access', 'model.request', 'model.read'],
    sub: `auth0|${account.userId}`,
  });
  const signature = createHmac('sha256', SIGNING_KEY).update(`${header}.${payload}`).digest('base64url');
  const token = `${header}.${payload}.${signature}`;
  state.accessTokens.set(token, account);
  return token;
}

export function issueSessionToken(state: SimState, account: AccountRecord): string {
  const token = `sim-session.${randomBytes(32).toString('base64url')}`;
  state.sessionTokens.set(token, account);
  return token;
}

export function sessionCookie(token: string): string {
  const expires = new Date(Date.now() + 30 * 24 * 3600 * 1000).toUTCString();
  return `${SESSION_COOKIE}=${token}; Path=/; Expires=${expires}; HttpOnly; Secure; SameSite=Lax`;
}
