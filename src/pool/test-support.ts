/** Helpers shared by the pool's tests (not exported from index.ts). */
import type { AccountConfig } from '../config/types.js';
import { createChatGptProvider } from '../upstream/chatgpt/index.js';
import { createDispatcherRegistry } from '../upstream/http/index.js';
import { createOpenAiProvider } from '../upstream/openai/index.js';
import { createTokenService } from '../upstream/tokens/index.js';
import type { UpstreamTimeouts } from '../upstream/types.js';
import { createSecretCipher } from './cipher.js';
import { createCredentialManager } from './credentials.js';
import type { CredentialManager } from './credentials.js';
import { runTurnWithFailover } from './failover.js';
import type { FailoverEvent } from './failover.js';
import { createMemoryPoolState } from './memory-state.js';
import { createAccountPool } from './pool.js';
import type { AccountPool } from './pool.js';
import type { AccountProbe } from './probe.js';
import { createAccountResolver, poolSpecFromConfig } from './resolve-account.js';
import type { PoolState } from './state.js';
import type { AcquireRequest, Clock, PoolAccountSpec, PoolLogger, PoolOptions } from './types.js';

export interface ManualClock extends Clock {
  advance(ms: number): void;
}

export function manualClock(start = Date.UTC(2025, 0, 1)): ManualClock {
  let now = start;
  return {
    now: () => now,
    advance: (ms) => {
      now += ms;
    },
  };
}

export const chatgptAccount = (name: string, extra: Partial<PoolAccountSpec> = {}): PoolAccountSpec => ({
  name,
  kind: 'chatgpt',
  plus: false,
  weight: 1,
  maxConcurrency: 1,
  ...extra,
});

export interface TestPool {
  pool: AccountPool;
  state: PoolState;
  clock: ManualClock;
}

export function testPool(
  accounts: PoolAccountSpec[],
  options: Partial<PoolOptions> = {},
  logger?: PoolLogger,
): TestPool {
  const clock = manualClock();
  const state = createMemoryPoolState({ clock });
  const pool = createAccountPool({
    state,
    accounts,
    clock,
    logger,
    options: { queueTimeoutMs: 5000, pollIntervalMs: 60_000, ...options },
  });
  return { pool, state, clock };
}

export const never = (): AbortSignal => new AbortController().signal;

/** The parts of the upstream simulator the pool harness needs (kept structural: src must not import test/). */
export interface SimEndpoints {
  chatgptBaseUrl: string;
  openaiBaseUrl: string;
  authBaseUrl: string;
  oauthTokenUrl: string;
}

export interface SimPoolInput {
  sim: SimEndpoints;
  accounts: AccountConfig[];
  options?: Partial<PoolOptions>;
  timeouts?: UpstreamTimeouts;
}

export interface TurnResult {
  /** Account of each attempt, in order. */
  accounts: string[];
  text: string;
  events: FailoverEvent[];
  error?: unknown;
}

export interface SimPool {
  pool: AccountPool;
  clock: ManualClock;
  credentials: CredentialManager;
  /** A light probe: the provider's model list for the account. */
  probe: AccountProbe;
  stream(select: Partial<AcquireRequest>, prompt: string): AsyncGenerator<FailoverEvent, void, undefined>;
  run(select: Partial<AcquireRequest>, prompt: string): Promise<TurnResult>;
  close(): Promise<void>;
}

/** A pool wired to the REAL providers, token service and credential manager, against the simulator. */
export function createSimPool(input: SimPoolInput): SimPool {
  const clock = manualClock(Date.now());
  const dispatchers = createDispatcherRegistry({ connectTimeoutMs: 2000 });
  const configs = new Map(input.accounts.map((account) => [account.name, account]));
  const blobs = new Map<string, string>();
  const credentials = createCredentialManager({
    store: { load: async (name) => blobs.get(name), save: async (name, blob) => void blobs.set(name, blob) },
    tokens: createTokenService({
      dispatchers,
      urls: { authBaseUrl: input.sim.authBaseUrl, oauthTokenUrl: input.sim.oauthTokenUrl },
      userAgent: 'Mozilla/5.0 (pool test)',
      timeoutMs: 5000,
    }),
    cipher: createSecretCipher('pool-test-app-secret'),
    accounts: (name) => configs.get(name),
  });
  const pool = createAccountPool({
    state: createMemoryPoolState({ clock }),
    accounts: input.accounts.map(poolSpecFromConfig),
    clock,
    options: { queueTimeoutMs: 20_000, pollIntervalMs: 200, ...input.options },
  });
  const resolveAccount = createAccountResolver({
    accounts: (name) => configs.get(name),
    credentials,
    dispatchers,
    timeouts: input.timeouts ?? { firstByteMs: 5000, idleMs: 5000 },
    baseUrls: { chatgpt: input.sim.chatgptBaseUrl, openai: input.sim.openaiBaseUrl },
  });
  const providers = { chatgpt: createChatGptProvider(), openai: createOpenAiProvider() };

  function stream(
    select: Partial<AcquireRequest>,
    prompt: string,
  ): AsyncGenerator<FailoverEvent, void, undefined> {
    const signal = select.signal ?? new AbortController().signal;
    return runTurnWithFailover({
      pool,
      providers,
      resolveAccount,
      credentials,
      select: { tier: 'free', userPlus: false, ...select, signal },
      buildRequest: (spec) => ({
        messages: [{ role: 'user', content: prompt }],
        model: spec.kind === 'openai' ? 'gpt-4o-mini' : 'auto',
        signal,
      }),
    });
  }

  async function run(select: Partial<AcquireRequest>, prompt: string): Promise<TurnResult> {
    const result: TurnResult = { accounts: [], text: '', events: [] };
    try {
      for await (const event of stream(select, prompt)) {
        result.events.push(event);
        if (event.type === 'account') result.accounts.push(event.name);
        if (event.type === 'delta') result.text += event.text;
      }
    } catch (error) {
      result.error = error;
    }
    return result;
  }

  return {
    pool,
    clock,
    credentials,
    probe: async (spec, signal) => {
      await providers[spec.kind].listModels(await resolveAccount(spec, signal), signal);
    },
    stream,
    run,
    close: async () => {
      pool.close();
      await dispatchers.close();
    },
  };
}
