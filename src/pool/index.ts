/** The account pool: selection, health, failover and account credentials. */
export { createAccountPool, normaliseSpec } from './pool.js';
export type { AccountPool, AccountPoolDeps } from './pool.js';
export { createMemoryPoolState } from './memory-state.js';
export type { MemoryPoolStateOptions } from './memory-state.js';
export { emptyHealth } from './state.js';
export type { HealthRecord, LeaseRequest, PoolState, WeightedCandidate } from './state.js';
export { DEFAULT_POOL_OPTIONS, systemClock } from './types.js';
export type {
  AccountStatus,
  AccountView,
  AcquireRequest,
  Clock,
  Lease,
  PoolAccountSpec,
  PoolLogger,
  PoolOptions,
  ReleaseOutcome,
  Tier,
} from './types.js';
export { ALL_TRIED, NO_ACCOUNT_AVAILABLE } from './pool-errors.js';
export { runTurnWithFailover } from './failover.js';
export type { AccountEvent, FailoverEvent, TurnWithFailoverInput } from './failover.js';
export { createSecretCipher, SecretCipherError } from './cipher.js';
export type { SecretCipher } from './cipher.js';
export { createCredentialManager } from './credentials.js';
export type {
  CredentialManager,
  CredentialManagerDeps,
  CredentialStore,
  ObtainedTokens,
  RefreshOptions,
  TokenServiceLike,
} from './credentials.js';
export type { AccountSecrets } from './credential-blob.js';
export { createAccountResolver, poolSpecFromConfig } from './resolve-account.js';
export type { AccountResolver, AccountResolverDeps } from './resolve-account.js';
export type { AccountProbe } from './probe.js';
