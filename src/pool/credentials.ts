/**
 * Access tokens of ChatGPT web accounts: the configured token while it works, else one obtained
 * from a session token, refresh token or email + password. Obtained tokens are stored encrypted
 * (they survive restarts), renewed ahead of their expiry, and rotated session/refresh tokens
 * are saved.
 */
import { createHash } from 'node:crypto';
import type { AccountConfig } from '../config/types.js';
import { jwtExpiry } from '../upstream/tokens/index.js';
import { UpstreamError } from '../upstream/types.js';
import { createShortCache } from '../short-cache.js';
import { loadSecrets, saveSecrets } from './credential-blob.js';
import type { AccountSecrets, CredentialStore, ObtainedTokens } from './credential-blob.js';
import type { SecretCipher } from './cipher.js';
import { hasTokenSources, NO_SOURCES, obtainTokens } from './token-sources.js';
import type { TokenServiceLike } from './token-sources.js';
import { systemClock } from './types.js';
import type { Clock, PoolLogger } from './types.js';

export type { CredentialStore, ObtainedTokens } from './credential-blob.js';
export type { TokenServiceLike } from './token-sources.js';

export interface CredentialManagerDeps {
  store: CredentialStore;
  tokens: TokenServiceLike;
  cipher: SecretCipher;
  /** The current configuration of an account (config file or runtime-added). */
  accounts: (name: string) => AccountConfig | undefined;
  /** Get a new token this long before the current one expires (default 10 min). */
  refreshAheadMs?: number;
  /** Lifetime assumed for a token without `exp` (the original's access_token_refresh_interval). */
  defaultLifetimeMs?: number;
  clock?: Clock;
  logger?: PoolLogger;
}

export interface RefreshOptions {
  /** The token the upstream refused; without it the current token is assumed refused. */
  rejectedToken?: string;
  signal?: AbortSignal;
}

export interface CredentialManager {
  /** What a provider sends: the API key (openai) or a valid access token (chatgpt). */
  secretFor(account: AccountConfig, signal?: AbortSignal): Promise<string>;
  accessTokenFor(account: AccountConfig, signal?: AbortSignal): Promise<string>;
  /**
   * After the upstream refused `rejectedToken` as expired: gets a new token. True when a usable
   * token is now stored (also when a concurrent refresh already replaced the rejected one).
   */
  refresh(name: string, options?: RefreshOptions): Promise<boolean>;
  /** Why the last token fetch of an account failed (redacted), for the admin view. */
  lastRefreshFailure(name: string): string | undefined;
}

const fingerprint = (token: string): string => createHash('sha256').update(token).digest('hex').slice(0, 32);

/**
 * How long turns use the secrets read from the store before reading them again. Every turn of a
 * ChatGPT account needs them; reading meant a query and a decryption per turn. A change made
 * here is seen at once; one made by another process within this time, or when the upstream
 * refuses the token (a refresh reads the store itself).
 */
const SECRETS_CACHE_MS = 1_000;
const MAX_CACHED_ACCOUNTS = 1_000;

export function createCredentialManager(deps: CredentialManagerDeps): CredentialManager {
  const clock = deps.clock ?? systemClock;
  const refreshAheadMs = deps.refreshAheadMs ?? 600_000;
  const defaultLifetimeMs = deps.defaultLifetimeMs ?? 86_400_000;
  const fetching = new Map<string, Promise<ObtainedTokens>>();
  const refreshChains = new Map<string, Promise<void>>();
  const failures = new Map<string, string>();
  const blob = { store: deps.store, cipher: deps.cipher, logger: deps.logger };
  const cached = createShortCache<string, AccountSecrets>(MAX_CACHED_ACCOUNTS);
  /** The configured token's fingerprint and expiry, worked out once per token (they never change). */
  const configFacts = createShortCache<string, { fingerprint: string; expiresAt: number | undefined }>(
    MAX_CACHED_ACCOUNTS,
  );

  async function currentSecrets(name: string): Promise<AccountSecrets> {
    const hit = cached.get(name, clock.now());
    if (hit) return hit;
    const since = cached.version();
    const secrets = await loadSecrets(blob, name);
    cached.set(name, secrets, clock.now() + SECRETS_CACHE_MS, since);
    return secrets;
  }

  /** Saves, then empties the cache: a read that overlapped the save is dropped by its `version()`. */
  async function save(name: string, update: (current: AccountSecrets) => AccountSecrets) {
    try {
      return await saveSecrets(blob, name, update);
    } finally {
      cached.clear();
    }
  }

  function factsOf(token: string) {
    let facts = configFacts.get(token, 0);
    if (!facts) {
      facts = { fingerprint: fingerprint(token), expiresAt: jwtExpiry(token)?.getTime() };
      configFacts.set(token, facts, Infinity);
    }
    return facts;
  }

  const freshEnough = (expiresAt: number | undefined): boolean =>
    expiresAt === undefined || expiresAt - refreshAheadMs > clock.now();
  const notExpired = (expiresAt: number | undefined): boolean =>
    expiresAt === undefined || expiresAt > clock.now();

  async function fetchAndStore(
    account: AccountConfig,
    signal: AbortSignal | undefined,
  ): Promise<ObtainedTokens> {
    const stored = (await loadSecrets(blob, account.name)).obtained ?? {};
    try {
      const obtained = await obtainTokens({
        tokens: deps.tokens,
        account,
        stored,
        now: clock.now(),
        defaultLifetimeMs,
        signal,
      });
      await save(account.name, (secrets) => ({ ...secrets, obtained }));
      failures.delete(account.name);
      deps.logger?.info({ account: account.name }, 'access token obtained');
      return obtained;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      failures.set(account.name, reason);
      deps.logger?.warn({ account: account.name, reason }, 'could not obtain an access token');
      throw error;
    }
  }

  /** One token fetch per account at a time; concurrent callers share it. */
  function fetchOnce(account: AccountConfig, signal: AbortSignal | undefined): Promise<ObtainedTokens> {
    const running = fetching.get(account.name);
    if (running) return running;
    const started = fetchAndStore(account, signal).finally(() => fetching.delete(account.name));
    fetching.set(account.name, started);
    return started;
  }

  async function accessTokenFor(account: AccountConfig, signal?: AbortSignal): Promise<string> {
    const stored = (await currentSecrets(account.name)).obtained;
    const configToken = account.access_token;
    const config = configToken === undefined ? undefined : factsOf(configToken);
    const configUsable = configToken !== undefined && stored?.rejectedConfigToken !== config?.fingerprint;
    const configExpiry = config?.expiresAt;
    if (configUsable && freshEnough(configExpiry)) return configToken;
    if (stored?.accessToken && freshEnough(stored.expiresAt)) return stored.accessToken;
    const stillValid =
      stored?.accessToken && notExpired(stored.expiresAt)
        ? stored.accessToken
        : configUsable && notExpired(configExpiry)
          ? configToken
          : undefined;
    if (!hasTokenSources(account, stored)) {
      // Nothing to renew it with: let the upstream judge the last token we have.
      const last = stillValid ?? stored?.accessToken ?? (configUsable ? configToken : undefined);
      if (last) return last;
      throw new UpstreamError(
        'auth_invalid',
        `Account ${account.name} has no usable access token and ${NO_SOURCES}`,
        {
          account: account.name,
        },
      );
    }
    try {
      const obtained = await fetchOnce(account, signal);
      if (obtained.accessToken) return obtained.accessToken;
    } catch (error) {
      // Renewing ahead of expiry failed: the current token still works for a while.
      if (stillValid && !signal?.aborted) return stillValid;
      throw error;
    }
    throw new UpstreamError('bad_response', `Account ${account.name}: no access token was returned`, {
      account: account.name,
    });
  }

  async function refreshNow(name: string, { rejectedToken, signal }: RefreshOptions): Promise<boolean> {
    const account = deps.accounts(name);
    if (!account || account.kind !== 'chatgpt') return false;
    const stored = (await loadSecrets(blob, name)).obtained;
    const replacedMeanwhile =
      rejectedToken !== undefined &&
      stored?.accessToken !== undefined &&
      stored.accessToken !== rejectedToken &&
      freshEnough(stored.expiresAt);
    if (replacedMeanwhile) return true;
    // The refused token must never be handed out again (also after a restart).
    const refusesConfig =
      account.access_token !== undefined &&
      (rejectedToken === undefined || rejectedToken === account.access_token);
    const after = await save(name, (secrets) => ({
      ...secrets,
      obtained: {
        ...secrets.obtained,
        accessToken: undefined,
        expiresAt: undefined,
        rejectedConfigToken: refusesConfig
          ? fingerprint(account.access_token ?? '')
          : secrets.obtained?.rejectedConfigToken,
      },
    }));
    if (!hasTokenSources(account, after.obtained)) {
      failures.set(name, `the access token expired and there is ${NO_SOURCES}`);
      return false;
    }
    try {
      await fetchOnce(account, signal);
      return true;
    } catch {
      return false;
    }
  }

  /** Refreshes of one account run one after another, so a later one sees the earlier one's token. */
  function serialised(name: string, task: () => Promise<boolean>): Promise<boolean> {
    const next = (refreshChains.get(name) ?? Promise.resolve()).then(task, task);
    const chain = next.then(
      () => undefined,
      () => undefined,
    );
    refreshChains.set(name, chain);
    void chain.then(() => {
      if (refreshChains.get(name) === chain) refreshChains.delete(name);
    });
    return next;
  }

  return {
    async secretFor(account, signal) {
      if (account.kind === 'chatgpt') return accessTokenFor(account, signal);
      if (account.api_key) return account.api_key;
      throw new UpstreamError('auth_invalid', `Account ${account.name} has no api_key`, {
        account: account.name,
      });
    },
    accessTokenFor,
    refresh: (name, options = {}) => serialised(name, () => refreshNow(name, options)),
    lastRefreshFailure: (name) => failures.get(name),
  };
}
