/**
 * A whole stack for integration tests: the upstream simulator, our server wired to it with some
 * accounts, and helpers to create users and call routes.
 */
import type { AccountConfig, AppConfig } from '../../src/config/types.js';
import { DEFAULT_MODELS } from '../../src/config/schema.js';
import type { Engine } from '../../src/store/index.js';
import { startUpstreamSim, type SimOptions, type UpstreamSim } from '../upstream-sim/index.js';
import { testConfig } from './config.js';
import { startTestServer, type TestServer } from './server.js';
import { httpCall, type CallInit, type CallResult } from './http-call.js';

export type { CallResult } from './http-call.js';

export interface StackAccount {
  name: string;
  kind?: 'chatgpt' | 'openai';
  plus?: boolean;
  /** Defaults: an access token `tok-<name>` (chatgpt) or API key `sk-sim-<name>` (openai). */
  overrides?: Partial<AccountConfig>;
}

export interface Stack {
  sim: UpstreamSim;
  server: TestServer;
  url: string;
  adminKey: string;
  /** The simulator token (chatgpt) or API key (openai) of an account. */
  secretOf(name: string): string;
  addUser(userId: string, options?: { plus?: boolean; client?: boolean; admin?: boolean }): Promise<string>;
  call(path: string, init?: CallInit): Promise<CallResult>;
  stop(): Promise<void>;
}

export async function startStack(
  options: {
    accounts?: StackAccount[];
    engine?: Engine;
    sim?: SimOptions;
    config?: Partial<Omit<AppConfig, 'dataDir'>>;
  } = {},
): Promise<Stack> {
  const sim = await startUpstreamSim(options.sim);
  const secrets = new Map<string, string>();
  const accounts: AccountConfig[] = (options.accounts ?? [{ name: 'free-1' }]).map((a) => {
    const kind = a.kind ?? 'chatgpt';
    const secret = kind === 'chatgpt' ? `tok-${a.name}` : `sk-sim-${a.name}`;
    secrets.set(a.name, secret);
    if (kind === 'chatgpt') sim.addAccount({ accessToken: secret, plus: a.plus ?? false });
    else sim.addApiKey(secret);
    return {
      name: a.name,
      kind,
      plus: a.plus ?? false,
      max_concurrency: kind === 'chatgpt' ? 1 : 16,
      weight: 1,
      ...(kind === 'chatgpt'
        ? { access_token: secret }
        : { api_key: secret, base_url: sim.openaiBaseUrl, models: ['gpt-4o-mini', 'gpt-4o'] }),
      ...a.overrides,
    };
  });
  const base = testConfig({ dataDir: '' });
  const server = await startTestServer({
    engine: options.engine,
    config: {
      accounts,
      models: DEFAULT_MODELS,
      chatgpt: {
        ...base.chatgpt,
        base_url: sim.chatgptBaseUrl,
        auth_base_url: sim.authBaseUrl,
        oauth_token_url: sim.oauthTokenUrl,
      },
      ...options.config,
    },
  });
  const call: Stack['call'] = (path, init) => httpCall(server.url + path, init);
  return {
    sim,
    server,
    url: server.url,
    adminKey: server.adminKey,
    secretOf: (name) => secrets.get(name) ?? '',
    async addUser(userId, o = {}) {
      const res = await call('/api/admin/users', {
        json: {
          userid: userId,
          username: userId,
          plus: o.plus ?? false,
          is_client: o.client ?? false,
          is_admin: o.admin ?? false,
        },
        headers: { authorization: `Bearer ${server.adminKey}` },
      });
      if (res.status !== 200) throw new Error(`addUser failed: ${res.text}`);
      return res.json?.api_key as string;
    },
    call,
    async stop() {
      await server.stop();
      await sim.close();
    },
  };
}
