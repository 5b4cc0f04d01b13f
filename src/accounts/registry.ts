/**
 * The accounts the server knows: those of settings.json (synced into the store at start) and
 * those added at runtime through the admin API (kept in the store, their credentials encrypted
 * under the `configured` key of the account's secrets blob, beside the tokens the credential
 * manager obtains).
 */
import type { AccountConfig } from '../config/types.js';
import type { SecretCipher } from '../pool/cipher.js';
import type { Store } from '../store/index.js';

/** Settings kept in clear in the store: nothing here may be secret (proxy URLs can hold passwords). */
interface PublicSettings {
  base_url?: string;
  models?: string[];
  max_concurrency: number;
  weight: number;
  options?: Readonly<Record<string, unknown>>;
}

const SECRET_KEYS = [
  'email',
  'password',
  'access_token',
  'session_token',
  'refresh_token',
  'api_key',
  'proxy',
] as const;
type SecretPart = Pick<AccountConfig, (typeof SECRET_KEYS)[number]>;

function publicSettings(account: AccountConfig): string {
  const settings: PublicSettings = {
    base_url: account.base_url,
    models: account.models,
    max_concurrency: account.max_concurrency,
    weight: account.weight,
    options: account.options,
  };
  return JSON.stringify(settings);
}

export interface AccountRegistry {
  get(name: string): AccountConfig | undefined;
  all(): AccountConfig[];
  source(name: string): 'config' | 'runtime' | undefined;
  add(account: AccountConfig): Promise<void>;
  remove(name: string): Promise<boolean>;
}

export async function createAccountRegistry({
  store,
  accounts,
  cipher,
  clock = Date.now,
}: {
  store: Store;
  accounts: readonly AccountConfig[];
  cipher: SecretCipher;
  clock?: () => number;
}): Promise<AccountRegistry> {
  const byName = new Map<string, { account: AccountConfig; source: 'config' | 'runtime' }>();
  await store.accounts.syncFromConfig(
    accounts.map((a) => ({
      name: a.name,
      kind: a.kind,
      is_plus: a.plus ? 1 : 0,
      source: 'config',
      settings: publicSettings(a),
    })),
    clock(),
  );
  for (const account of accounts) byName.set(account.name, { account, source: 'config' });

  for (const row of await store.accounts.list()) {
    if (row.source !== 'runtime' || byName.has(row.name)) continue;
    let secrets: SecretPart = {};
    try {
      const blob = row.credentials
        ? (JSON.parse(cipher.decrypt(row.credentials)) as { configured?: SecretPart })
        : {};
      secrets = blob.configured ?? {};
    } catch {
      secrets = {}; // app_secret changed: the account stays listed, without credentials
    }
    const settings = JSON.parse(row.settings) as PublicSettings;
    byName.set(row.name, {
      source: 'runtime',
      account: {
        name: row.name,
        kind: row.kind === 'openai' ? 'openai' : 'chatgpt',
        plus: row.is_plus === 1,
        ...settings,
        ...secrets,
      },
    });
  }

  return {
    get: (name) => byName.get(name)?.account,
    all: () => [...byName.values()].map((e) => e.account),
    source: (name) => byName.get(name)?.source,
    async add(account) {
      const secrets: SecretPart = {};
      for (const key of SECRET_KEYS) if (account[key] !== undefined) secrets[key] = account[key];
      await store.accounts.insert(
        {
          name: account.name,
          kind: account.kind,
          is_plus: account.plus ? 1 : 0,
          source: 'runtime',
          settings: publicSettings(account),
          credentials: cipher.encrypt(JSON.stringify({ configured: secrets })),
        },
        clock(),
      );
      byName.set(account.name, { account, source: 'runtime' });
    },
    async remove(name) {
      byName.delete(name);
      return store.accounts.remove(name);
    },
  };
}
