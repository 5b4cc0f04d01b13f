/** Builds what a provider needs for a pooled account: base URL, secret, shared dispatcher, timeouts. */
import type { AccountConfig } from '../config/types.js';
import type { DispatcherRegistry } from '../upstream/http/index.js';
import { UpstreamError } from '../upstream/types.js';
import type { ProviderAccount, UpstreamKind, UpstreamTimeouts } from '../upstream/types.js';
import type { CredentialManager } from './credentials.js';
import type { PoolAccountSpec } from './types.js';

export interface AccountResolverDeps {
  accounts: (name: string) => AccountConfig | undefined;
  credentials: Pick<CredentialManager, 'secretFor'>;
  dispatchers: Pick<DispatcherRegistry, 'get'>;
  timeouts: UpstreamTimeouts;
  /** Base URL per kind for accounts without their own base_url. */
  baseUrls: Record<UpstreamKind, string>;
  userAgent?: string;
}

export type AccountResolver = (spec: PoolAccountSpec, signal: AbortSignal) => Promise<ProviderAccount>;

export function createAccountResolver(deps: AccountResolverDeps): AccountResolver {
  return async (spec, signal) => {
    const config = deps.accounts(spec.name);
    if (!config)
      throw new UpstreamError('auth_invalid', `Account ${spec.name} is no longer configured`, {
        account: spec.name,
      });
    return {
      name: config.name,
      kind: config.kind,
      baseUrl: (config.base_url ?? deps.baseUrls[config.kind]).replace(/\/+$/, ''),
      secret: await deps.credentials.secretFor(config, signal),
      dispatcher: deps.dispatchers.get(config.proxy),
      timeouts: deps.timeouts,
      ...(config.options ? { options: config.options } : {}),
      ...(deps.userAgent ? { userAgent: deps.userAgent } : {}),
    };
  };
}

/** The pool's view of a configured account (no secrets). */
export const poolSpecFromConfig = (account: AccountConfig): PoolAccountSpec => ({
  name: account.name,
  kind: account.kind,
  plus: account.plus,
  weight: account.weight,
  maxConcurrency: account.max_concurrency,
  ...(account.models ? { models: [...account.models] } : {}),
});
