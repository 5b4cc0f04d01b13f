/** Mutable state shared by every route: options, accounts, keys, faults, tokens, counters. */
import { randomBytes, randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { FaultTable } from './faults.js';
import { ConversationStore } from './chatgpt/conversation-store.js';
import type { ResolvedSimOptions, SimAccount, SimOptions, SimRequestLog } from './types.js';

export interface AccountRecord {
  /** Stable identity: conversations and the one-turn-at-a-time lock hang on it. */
  key: string;
  primaryToken: string;
  plus: boolean;
  accountId: string;
  userId: string;
  email?: string;
  password?: string;
  registered: boolean;
}

/** A sentinel grant: the seed and difficulty a proof must meet, tied to one account. */
export interface SentinelGrant {
  accountKey: string;
  seed: string;
  difficulty: string;
  variant: 'fnv' | 'sha3';
  expiresAt: number;
  /** Set once a two-step finalize checked the proof. */
  proofVerified: boolean;
}

/** One email/password login in progress, addressed by its `state` parameter. */
export interface LoginTransaction {
  email?: string;
  account?: AccountRecord;
}

export const DEFAULT_API_MODELS = ['gpt-4o-mini', 'gpt-4o'];
const MAX_LOG_ENTRIES = 100_000;

export function resolveOptions(options: SimOptions = {}): ResolvedSimOptions {
  return {
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    encoding: options.encoding ?? 'delta',
    sentinel: options.sentinel ?? 'single',
    powVariant: options.powVariant ?? 'fnv',
    powDifficulty: options.powDifficulty ?? '0fffff',
    requireConduit: options.requireConduit ?? false,
    firstByteDelayMs: options.firstByteDelayMs ?? 0,
    chunkDelayMs: options.chunkDelayMs ?? 0,
    replyChunks: options.replyChunks ?? 8,
  };
}

export function randomToken(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}

export class SimState {
  options: ResolvedSimOptions;
  url = '';
  readonly faults = new FaultTable();
  readonly expired = new Set<string>();
  readonly accessTokens = new Map<string, AccountRecord>();
  readonly sessionTokens = new Map<string, AccountRecord>();
  readonly refreshTokens = new Map<string, AccountRecord>();
  readonly accountsByEmail = new Map<string, AccountRecord>();
  readonly apiKeys = new Map<string, Set<string>>();
  /** Account keys with a reply in progress (one message at a time). */
  readonly busy = new Set<string>();
  readonly conversations = new ConversationStore();
  /** chat-requirements tokens and two-step prepare tokens. */
  readonly sentinelTokens = new Map<string, SentinelGrant>();
  readonly prepareTokens = new Map<string, SentinelGrant>();
  /** Conduit token → account key. */
  readonly conduitTokens = new Map<string, string>();
  /** Login flow (§2): issued CSRF tokens, transactions by state, authorization codes. */
  readonly csrfTokens = new Set<string>();
  readonly logins = new Map<string, LoginTransaction>();
  readonly authCodes = new Map<string, { account: AccountRecord; state: string }>();
  /** Non-stream completion bodies by request body: the benchmark repeats bodies. */
  readonly completionCache = new Map<string, { model: string; suffix: string }>();
  completionCounter = 0;
  readonly log: SimRequestLog[] = [];
  aborted = 0;
  /** Aborted on close() so pending delays end at once. */
  readonly closing = new AbortController();

  constructor(options: SimOptions) {
    this.options = resolveOptions(options);
    // Every open stream's pause listens on it for its delay: hundreds at once is the normal case.
    setMaxListeners(0, this.closing.signal);
  }

  addAccount(account: SimAccount): AccountRecord {
    const existing = this.accessTokens.get(account.accessToken);
    const record: AccountRecord = existing?.registered
      ? existing
      : {
          key: existing?.key ?? `acct-${randomUUID()}`,
          primaryToken: account.accessToken,
          plus: false,
          accountId: randomUUID(),
          userId: `user-${randomToken(12)}`,
          registered: true,
        };
    record.plus = account.plus ?? record.plus;
    if (account.email !== undefined) record.email = account.email;
    if (account.password !== undefined) record.password = account.password;
    this.accessTokens.set(account.accessToken, record);
    if (account.sessionToken) this.sessionTokens.set(account.sessionToken, record);
    if (account.refreshToken) this.refreshTokens.set(account.refreshToken, record);
    if (account.email) this.accountsByEmail.set(account.email.toLowerCase(), record);
    return record;
  }

  /** Unknown bearer tokens act as free accounts, remembered so their conversations persist. */
  accountForToken(token: string): AccountRecord {
    let record = this.accessTokens.get(token);
    if (!record) {
      record = {
        key: `anon-${randomUUID()}`,
        primaryToken: token,
        plus: false,
        accountId: randomUUID(),
        userId: `user-${randomToken(12)}`,
        registered: false,
      };
      this.accessTokens.set(token, record);
    }
    return record;
  }

  /** Keys a fault may be registered under for a request by this token. */
  faultKeys(token: string, record: AccountRecord | undefined): string[] {
    return record && record.primaryToken !== token ? [token, record.primaryToken] : [token];
  }

  pushLog(entry: SimRequestLog): void {
    if (this.log.length >= MAX_LOG_ENTRIES) this.log.splice(0, MAX_LOG_ENTRIES / 2);
    this.log.push(entry);
  }
}
