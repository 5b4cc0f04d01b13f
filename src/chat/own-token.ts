import { createHash } from 'node:crypto';
import type { AppConfig } from '../config/types.js';
import type { DispatcherRegistry } from '../upstream/http/index.js';
import type { ProviderAccount } from '../upstream/types.js';

export const OWN_TOKEN_ACCOUNT = 'your access token';

export const hashOwnToken = (token: string): string => createHash('sha256').update(token).digest('hex');

const uuidFrom = (h: string): string =>
  `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;

/** The caller's own ChatGPT account (the original's `access_token`), through the default proxy. */
export function ownTokenAccount(
  config: AppConfig,
  dispatchers: Pick<DispatcherRegistry, 'get'>,
  accessToken: string,
): ProviderAccount {
  return {
    name: OWN_TOKEN_ACCOUNT,
    kind: 'chatgpt',
    baseUrl: config.chatgpt.base_url.replace(/\/+$/, ''),
    secret: accessToken,
    dispatcher: dispatchers.get(config.server.default_proxy || undefined),
    timeouts: {
      firstByteMs: config.limits.upstream_first_byte_timeout_ms,
      idleMs: config.limits.upstream_idle_timeout_ms,
    },
    userAgent: config.chatgpt.user_agent,
    deviceId: uuidFrom(hashOwnToken(`device:${accessToken}`)),
  };
}
