/**
 * Reads `openai.instances` in the three forms users of the original have: a list, an object of
 * named instances, and the README's misspelt `openai.instnaces` (either form).
 */
import type { AccountConfig } from './types.js';
import type { ConfigIssue } from './errors.js';
import { formatIssuePath } from './errors.js';
import { CREDENTIAL_KEYS, INSTANCE_KEYS, accountOptionsSchemas, instanceSchema } from './schema.js';
import { isLoopbackOrPrivateUrl } from './urls.js';
import { toConfigIssues } from './zod-issues.js';

interface InstanceEntry {
  raw: unknown;
  path: PropertyKey[];
  /** The key in the object form, used as the name when `name` is absent. */
  key?: string;
}

interface Collected {
  issues: ConfigIssue[];
  warnings: string[];
}

export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

function collectEntries(openai: unknown, out: Collected): InstanceEntry[] {
  if (!isPlainObject(openai)) return [];
  const hasRight = openai.instances !== undefined;
  const hasTypo = openai.instnaces !== undefined;
  if (hasRight && hasTypo) {
    out.issues.push({
      path: 'openai',
      message: 'both "instances" and the misspelt "instnaces" are set; move all accounts into "instances"',
    });
    return [];
  }
  const key = hasTypo ? 'instnaces' : 'instances';
  if (hasTypo) out.warnings.push('openai.instnaces: misspelt key read as openai.instances; please rename it');
  const value = openai[key];
  if (value === null || value === undefined) return [];
  if (Array.isArray(value)) return value.map((raw, index) => ({ raw, path: ['openai', key, index] }));
  if (isPlainObject(value)) {
    return Object.entries(value).map(([name, raw]) => ({ raw, path: ['openai', key, name], key: name }));
  }
  out.issues.push({
    path: `openai.${key}`,
    message: 'must be a list of instances or an object of named instances',
  });
  return [];
}

/** The original's template ships instances with `"email": "", "password": ""`: nothing filled in yet. */
function isUnfilledTemplate(raw: Record<string, unknown>): boolean {
  const present = CREDENTIAL_KEYS.filter((key) => key in raw);
  return present.length > 0 && present.every((key) => raw[key] === '' || raw[key] === null);
}

function uniqueGeneratedName(taken: Set<string>, start: number): string {
  for (let n = start; ; n++) if (!taken.has(`account-${n}`)) return `account-${n}`;
}

export interface ReadAccountsOptions {
  openai: unknown;
  /** Already-validated api_server.default_proxy, used for `"proxy": "default"`. */
  defaultProxy: string | undefined;
}

export function readAccounts(options: ReadAccountsOptions, out: Collected): AccountConfig[] {
  const accounts: AccountConfig[] = [];
  const namedBy = new Map<string, string>();
  const unnamed: { account: AccountConfig; index: number }[] = [];

  for (const [index, entry] of collectEntries(options.openai, out).entries()) {
    const where = formatIssuePath(entry.path);
    if (!isPlainObject(entry.raw)) {
      out.issues.push({ path: where, message: 'must be an object' });
      continue;
    }
    const unknown = Object.keys(entry.raw).filter((key) => !INSTANCE_KEYS.has(key));
    if (unknown.length > 0) out.warnings.push(`${where}: unknown key(s) ignored: ${unknown.join(', ')}`);
    if (isUnfilledTemplate(entry.raw)) {
      out.warnings.push(`${where}: credentials are empty (unfilled template); instance skipped`);
      continue;
    }
    const parsed = instanceSchema.safeParse(entry.raw);
    if (!parsed.success) {
      out.issues.push(...toConfigIssues(parsed.error, entry.path));
      continue;
    }
    const fields = parsed.data;
    const kind = fields.kind ?? 'chatgpt';
    const issueCount = out.issues.length;
    let apiKey = fields.api_key;

    if (kind === 'chatgpt') {
      const hasToken = Boolean(fields.access_token || fields.session_token || fields.refresh_token);
      if (!hasToken && (fields.email !== undefined) !== (fields.password !== undefined)) {
        const missing = fields.email === undefined ? 'email' : 'password';
        out.issues.push({
          path: `${where}.${missing}`,
          message: `required with ${missing === 'email' ? 'password' : 'email'}`,
        });
      } else if (!hasToken && fields.email === undefined) {
        out.issues.push({
          path: where,
          message: 'a chatgpt instance needs access_token, session_token, refresh_token or email+password',
        });
      }
      if (apiKey !== undefined) out.warnings.push(`${where}.api_key: ignored for a chatgpt instance`);
    } else if (apiKey === undefined) {
      if (fields.base_url !== undefined && isLoopbackOrPrivateUrl(fields.base_url)) apiKey = '';
      else {
        out.issues.push({
          path: `${where}.api_key`,
          message:
            'required for an openai instance (only a base_url on localhost or a private network may omit it)',
        });
      }
    }

    let proxy = fields.proxy;
    if (proxy === 'default') {
      proxy = options.defaultProxy;
      if (proxy === undefined) {
        out.warnings.push(
          `${where}.proxy: "default" but api_server.default_proxy is not set; connecting directly`,
        );
      }
    }
    let accountOptions: Record<string, unknown> | undefined;
    if (fields.options) {
      const checked = accountOptionsSchemas[kind].safeParse(fields.options);
      if (checked.success) accountOptions = checked.data;
      else out.issues.push(...toConfigIssues(checked.error, [...entry.path, 'options']));
    }
    if (out.issues.length > issueCount) continue;

    const account: AccountConfig = dropUndefined({
      name: fields.name ?? entry.key ?? '',
      kind,
      email: fields.email,
      password: fields.password,
      access_token: fields.access_token,
      session_token: fields.session_token,
      refresh_token: fields.refresh_token,
      api_key: kind === 'openai' ? apiKey : undefined,
      base_url: fields.base_url,
      plus: fields.plus,
      proxy,
      models: fields.models ?? undefined,
      max_concurrency: fields.max_concurrency ?? (kind === 'openai' ? 16 : 1),
      weight: fields.weight,
      options: accountOptions,
    });
    accounts.push(account);
    if (account.name === '') {
      unnamed.push({ account, index });
      continue;
    }
    const firstUse = namedBy.get(account.name);
    const namePath = fields.name !== undefined ? `${where}.name` : where;
    if (firstUse !== undefined) {
      out.issues.push({
        path: namePath,
        message: `duplicate name "${account.name}" (already used by ${firstUse})`,
      });
    } else namedBy.set(account.name, where);
  }

  const taken = new Set(namedBy.keys());
  for (const { account, index } of unnamed) {
    account.name = uniqueGeneratedName(taken, index + 1);
    taken.add(account.name);
  }
  return accounts;
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}
