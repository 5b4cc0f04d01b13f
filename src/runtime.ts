/**
 * Builds the long-lived services from the configuration: transport, providers, pool,
 * credentials, accounts, chat. One function, so the server entry and tests wire the same parts.
 */
import type { Logger } from 'pino';
import { createAccountRegistry, type AccountRegistry } from './accounts/registry.js';
import { createAccountService, type AccountService } from './accounts/service.js';
import { toPoolSpec } from './accounts/spec.js';
import { createChatService, type ChatService } from './chat/service.js';
import type { AppConfig } from './config/types.js';
import {
  createAccountPool,
  createAccountResolver,
  createCredentialManager,
  createMemoryPoolState,
  createSecretCipher,
  type AccountPool,
  type AccountResolver,
  type CredentialManager,
  type PoolOptions,
  type PoolState,
} from './pool/index.js';
import type { Store } from './store/index.js';
import { createChatGptProvider } from './upstream/chatgpt/index.js';
import { createDispatcherRegistry, type DispatcherRegistry } from './upstream/http/index.js';
import { createOpenAiProvider } from './upstream/openai/index.js';
import { createTokenService, type TokenService } from './upstream/tokens/index.js';
import { OPENAI_DEFAULT_BASE_URL } from './upstream/openai/defaults.js';
import type { Provider, UpstreamKind } from './upstream/types.js';
import { countingPoolLogger, createMetrics, instrumentPool, type Metrics } from './metrics/index.js';

const PROBE_INTERVAL_MS = 5000;

export interface Runtime {
  dispatchers: DispatcherRegistry;
  tokens: TokenService;
  providers: Record<UpstreamKind, Provider>;
  registry: AccountRegistry;
  /** Admin operations on accounts (list, add, remove, enable, disable, test). */
  accounts: AccountService;
  pool: AccountPool;
  credentials: CredentialManager;
  resolveAccount: AccountResolver;
  chat: ChatService;
  /** Prometheus metrics (routes, the chat service and the hardening layer record into it). */
  metrics: Metrics;
  close(): Promise<void>;
}

export async function createRuntime({
  config,
  store,
  logger,
  poolState,
  poolOptions,
  metrics = createMetrics(),
}: {
  config: AppConfig;
  store: Store;
  logger: Logger;
  /** Shared state (Redis) when several processes serve; in-process otherwise. */
  poolState?: PoolState;
  /** Overrides of the pool's timing (e.g. leaseTtlMs from POOL_LEASE_TTL_MS). */
  poolOptions?: Partial<PoolOptions>;
  metrics?: Metrics;
}): Promise<Runtime> {
  const dispatchers = createDispatcherRegistry({
    connectTimeoutMs: config.limits.upstream_connect_timeout_ms,
  });
  const tokens = createTokenService({
    dispatchers,
    urls: { authBaseUrl: config.chatgpt.auth_base_url, oauthTokenUrl: config.chatgpt.oauth_token_url },
    userAgent: config.chatgpt.user_agent,
    timeoutMs: config.limits.upstream_first_byte_timeout_ms,
  });
  const providers: Record<UpstreamKind, Provider> = {
    chatgpt: createChatGptProvider(),
    openai: createOpenAiProvider(),
  };
  const cipher = createSecretCipher(config.server.app_secret);
  const registry = await createAccountRegistry({ store, accounts: config.accounts, cipher });
  const pool = instrumentPool(
    createAccountPool({
      state: poolState ?? createMemoryPoolState(),
      accounts: registry.all().map((account) => toPoolSpec(account, config.models)),
      options: {
        queueTimeoutMs: config.limits.queue_timeout_ms,
        queueMax: config.limits.queue_max,
        ...poolOptions,
      },
      logger: countingPoolLogger(logger.child({ component: 'pool' }), metrics),
    }),
    metrics,
  );
  for (const row of await store.accounts.list()) {
    if (row.disabled === 1) await pool.disable(row.name, row.disabled_reason ?? 'disabled by an admin');
  }
  const credentials = createCredentialManager({
    store: {
      load: (name) => store.accounts.loadCredentials(name),
      save: (name, encrypted) => store.accounts.saveCredentials(name, encrypted, Date.now()),
    },
    tokens,
    cipher,
    accounts: (name) => registry.get(name),
    defaultLifetimeMs: config.chatgpt.access_token_refresh_interval * 1000,
    logger: logger.child({ component: 'credentials' }),
  });
  const resolveAccount = createAccountResolver({
    accounts: (name) => registry.get(name),
    credentials,
    dispatchers,
    timeouts: {
      firstByteMs: config.limits.upstream_first_byte_timeout_ms,
      idleMs: config.limits.upstream_idle_timeout_ms,
    },
    baseUrls: { chatgpt: config.chatgpt.base_url, openai: OPENAI_DEFAULT_BASE_URL },
    userAgent: config.chatgpt.user_agent,
  });
  const chat = createChatService({
    config,
    store,
    pool,
    providers,
    resolveAccount,
    credentials,
    dispatchers,
    logger,
    metrics,
  });
  const accounts = createAccountService({ config, store, registry, pool, providers, resolveAccount });
  // Ejected accounts come back through a light probe (their model list), not through a user's turn.
  let probing = false;
  const probeTimer = setInterval(() => {
    if (probing) return;
    probing = true;
    pool
      .probeRecovering(async (spec, signal) => {
        const account = await resolveAccount(spec, signal);
        await providers[spec.kind].listModels(account, signal);
      }, AbortSignal.timeout(config.limits.upstream_first_byte_timeout_ms))
      .catch((error: unknown) => logger.warn({ err: error }, 'account probe failed'))
      .finally(() => (probing = false));
  }, PROBE_INTERVAL_MS);
  probeTimer.unref();
  return {
    dispatchers,
    tokens,
    providers,
    registry,
    accounts,
    pool,
    credentials,
    resolveAccount,
    chat,
    metrics,
    async close() {
      clearInterval(probeTimer);
      pool.close();
      await dispatchers.close();
    },
  };
}
