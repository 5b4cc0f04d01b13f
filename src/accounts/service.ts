/**
 * What admins can do with accounts: see them (state from the pool, settings from the registry,
 * never a credential), add and remove them at runtime, enable/disable them (kept in the store
 * across restarts), clear a cooldown, and test one now with a small probe turn.
 */
import type { AppConfig, AccountConfig } from '../config/types.js';
import { readAccounts } from '../config/instances.js';
import { AppError, conflict, notFound } from '../errors.js';
import { type AccountPool, type AccountResolver, type AccountView } from '../pool/index.js';
import type { Store } from '../store/index.js';
import { describeProxy } from '../upstream/http/index.js';
import type { Provider, UpstreamKind } from '../upstream/types.js';
import { isUpstreamError } from '../upstream/types.js';
import type { AccountRegistry } from './registry.js';
import { toPoolSpec } from './spec.js';

export interface AccountAdminView extends AccountView {
  source: 'config' | 'runtime';
  proxy: string;
  base_url: string | null;
  models: string[] | null;
  options: Readonly<Record<string, unknown>> | null;
}

export interface ProbeResult {
  ok: boolean;
  ms: number;
  reply?: string;
  error?: { kind: string; message: string };
}

export interface AccountServiceDeps {
  config: AppConfig;
  store: Store;
  registry: AccountRegistry;
  pool: AccountPool;
  providers: Record<UpstreamKind, Provider>;
  resolveAccount: AccountResolver;
  clock?: () => number;
}

export function createAccountService({
  config,
  store,
  registry,
  pool,
  providers,
  resolveAccount,
  clock = Date.now,
}: AccountServiceDeps) {
  const requireAccount = (name: string): AccountConfig => {
    const account = registry.get(name);
    if (!account) throw notFound(`No account named '${name}'`, 'account_not_found');
    return account;
  };

  return {
    async list(): Promise<AccountAdminView[]> {
      const views = await pool.snapshot();
      return views.map((view) => {
        const account = registry.get(view.name);
        return {
          ...view,
          source: registry.source(view.name) ?? 'config',
          proxy: account?.proxy ? describeProxy(account.proxy) : 'direct',
          base_url: account?.base_url ?? null,
          models: account?.models ?? null,
          options: account?.options ?? null,
        };
      });
    },

    /** Validates an account exactly like settings.json does, then adds it to the store and the pool. */
    async add(raw: Record<string, unknown>): Promise<AccountAdminView> {
      const out = { issues: [] as { path: string; message: string }[], warnings: [] as string[] };
      const [account] = readAccounts(
        { openai: { instances: [raw] }, defaultProxy: config.server.default_proxy || undefined },
        out,
      );
      if (out.issues.length > 0 || !account) {
        const first = out.issues[0];
        throw new AppError(
          400,
          'invalid_account',
          first
            ? `${first.path.replace(/^openai\.instances\[0\]\.?/, '') || 'account'}: ${first.message}`
            : 'Invalid account',
          {
            details: {
              issues: out.issues.map((i) => ({
                field: i.path.replace(/^openai\.instances\[0\]\.?/, ''),
                message: i.message,
              })),
            },
          },
        );
      }
      if (!raw.name || typeof raw.name !== 'string')
        throw new AppError(400, 'invalid_account', 'name: required', { field: 'name' });
      if (registry.get(account.name))
        throw conflict(`An account named '${account.name}' already exists`, 'account_exists');
      await registry.add(account);
      await pool.addAccount(toPoolSpec(account, config.models));
      const [view] = (await this.list()).filter((v) => v.name === account.name);
      if (!view) throw new AppError(500, 'internal_error', 'account not visible after adding');
      return view;
    },

    async remove(name: string): Promise<void> {
      requireAccount(name);
      if (registry.source(name) === 'config')
        throw conflict(
          `'${name}' comes from settings.json: remove it there and restart`,
          'account_from_config',
        );
      await pool.removeAccount(name);
      await registry.remove(name);
    },

    async disable(name: string, reason: string): Promise<void> {
      requireAccount(name);
      await pool.disable(name, reason);
      await store.accounts.setDisabled(name, true, reason, clock());
    },

    async enable(name: string): Promise<void> {
      requireAccount(name);
      await pool.enable(name);
      await store.accounts.setDisabled(name, false, null, clock());
    },

    async resetCooldown(name: string): Promise<void> {
      requireAccount(name);
      await pool.resetCooldown(name);
    },

    /** A one-word turn on this account now, outside the round-robin (waits if it is busy). */
    async test(name: string, signal: AbortSignal): Promise<ProbeResult> {
      const account = requireAccount(name);
      const started = clock();
      const others = registry
        .all()
        .map((a) => a.name)
        .filter((n) => n !== name);
      const lease = await pool.acquire({
        tier: 'any',
        userPlus: true,
        stickyAccount: name,
        exclude: others,
        signal,
      });
      try {
        const target = await resolveAccount(lease.account, signal);
        const model = account.kind === 'chatgpt' ? 'auto' : (account.models?.[0] ?? 'gpt-4o-mini');
        let reply = '';
        for await (const event of providers[account.kind].streamTurn(target, {
          messages: [{ role: 'user', content: 'Say OK.' }],
          model,
          signal,
        })) {
          if (event.type === 'delta') reply += event.text;
        }
        await pool.release(lease, { ok: true });
        return { ok: true, ms: clock() - started, reply: reply.slice(0, 200) };
      } catch (error) {
        if (isUpstreamError(error)) {
          await pool.release(lease, { ok: false, error });
          return { ok: false, ms: clock() - started, error: { kind: error.kind, message: error.message } };
        }
        await pool.release(lease, { ok: true });
        throw error;
      }
    },
  };
}

export type AccountService = ReturnType<typeof createAccountService>;
