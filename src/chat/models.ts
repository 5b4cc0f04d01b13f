/** Public model names → which accounts can serve them and with which upstream slug. */
import type { AppConfig, ModelRoute } from '../config/types.js';
import { badRequest, forbidden, notFound } from '../errors.js';
import type { PoolAccountSpec, Tier } from '../pool/types.js';
import type { UpstreamKind } from '../upstream/types.js';

export interface ModelChoice {
  /** Public name (undefined: the tier's default, chosen per account). */
  name?: string;
  route?: ModelRoute;
  kinds?: UpstreamKind[];
  tier: Tier;
}

export const DEFAULT_CHATGPT_MODEL = 'auto';
export const DEFAULT_OPENAI_MODEL = 'gpt-4o-mini';

/**
 * What a user may ask for: plus models, and only the names of `limits.models` if the admin set
 * that list. A principal is one; no object is built per request.
 */
export interface ModelAccess {
  plus: boolean;
  limits: { models?: readonly string[] };
}

/**
 * The model a turn asks for, checked against the user's access. With a list of allowed models,
 * a turn that names none gets the first in the list instead of the tier's default.
 */
export function chooseModel(input: {
  config: AppConfig;
  accounts: readonly PoolAccountSpec[];
  requested: string | undefined;
  tier: Tier;
  access: ModelAccess;
}): ModelChoice {
  const { config, accounts, tier, access } = input;
  const allowed = access.limits.models;
  const requested = input.requested || allowed?.[0];
  // An empty list (refused by the admin API, but a row may be edited by hand) allows nothing.
  if (allowed && !(requested && allowed.includes(requested)))
    throw forbidden(
      requested ? `Your key may not use the model '${requested}'` : 'Your key may not use any model',
      'model_not_allowed',
    );
  if (!requested) return { tier };
  const route = config.models.find((m) => m.name === requested);
  if (route) {
    if (route.plus && !access.plus)
      throw forbidden(`The model '${requested}' needs plus access`, 'model_not_allowed');
    return {
      name: requested,
      route,
      kinds: route.kinds,
      tier: route.plus && tier === 'free' ? 'plus' : tier,
    };
  }
  // Not a configured route: an openai-kind account may still list it among its models.
  if (accounts.some((a) => a.kind === 'openai' && a.models?.includes(requested)))
    return { name: requested, kinds: ['openai'], tier };
  throw notFound(`The model '${requested}' does not exist or no account serves it`, 'model_not_found');
}

/**
 * A turn with function tools or a response format runs on OpenAI-kind accounts only: ChatGPT web
 * has neither for callers. Refused (400, naming the field) when no such account serves the model.
 */
export function onlyOpenAiAccounts(input: {
  choice: ModelChoice;
  accounts: readonly PoolAccountSpec[];
  field: 'tools' | 'response_format';
}): ModelChoice {
  const { choice, accounts, field } = input;
  const allowed = choice.kinds === undefined || choice.kinds.includes('openai');
  if (!allowed || !accounts.some((account) => account.kind === 'openai'))
    throw badRequest(
      `'${field}' needs an OpenAI-kind account, and none serves ${choice.name ? `the model '${choice.name}'` : 'this request'}`,
      field,
    );
  return { ...choice, kinds: ['openai'] };
}

/** The slug sent upstream for a chosen model on an account. */
export function upstreamModel(choice: ModelChoice, account: PoolAccountSpec): string {
  if (choice.name) return choice.route?.upstream?.[account.kind] ?? choice.name;
  if (account.kind === 'chatgpt') return DEFAULT_CHATGPT_MODEL;
  return account.models?.[0] ?? DEFAULT_OPENAI_MODEL;
}

export interface ServedModel {
  id: string;
  plus: boolean;
  kinds: UpstreamKind[];
}

/**
 * Models a user may ask for: configured routes their permission allows and that some account
 * serves, narrowed to their list of allowed models if they have one.
 */
export function modelsFor(
  config: AppConfig,
  accounts: readonly PoolAccountSpec[],
  access: ModelAccess,
): ServedModel[] {
  const served = modelsForTier(config, accounts, access.plus);
  const allowed = access.limits.models;
  return allowed ? served.filter((model) => allowed.includes(model.id)) : served;
}

function modelsForTier(
  config: AppConfig,
  accounts: readonly PoolAccountSpec[],
  userPlus: boolean,
): ServedModel[] {
  const out = new Map<string, ServedModel>();
  for (const route of config.models) {
    if (route.plus && !userPlus) continue;
    const serving = accounts.filter(
      (a) =>
        route.kinds.includes(a.kind) &&
        (userPlus || !a.plus || !route.plus) &&
        (a.kind === 'chatgpt' || !a.models || a.models.includes(route.name)),
    );
    if (serving.length > 0)
      out.set(route.name, {
        id: route.name,
        plus: route.plus,
        kinds: [...new Set(serving.map((a) => a.kind))],
      });
  }
  // A configured route decides for its name (chooseModel does the same), even one filtered out above.
  const routed = new Set(config.models.map((route) => route.name));
  for (const account of accounts) {
    if (account.kind !== 'openai' || (account.plus && !userPlus)) continue;
    for (const name of account.models ?? [])
      if (!routed.has(name) && !out.has(name))
        out.set(name, { id: name, plus: account.plus, kinds: ['openai'] });
  }
  return [...out.values()];
}

/** Per accounts list: the names for free and plus users, and the config they were built from. */
const servedCache = new WeakMap<
  readonly PoolAccountSpec[],
  { config: AppConfig; names: [ReadonlySet<string>, ReadonlySet<string>] }
>();

/**
 * The names `modelsFor` lists for a user without a list of allowed models (`chooseModel` checks
 * that list), for a membership test on every request. Remembered per accounts list: the pool
 * hands out the same frozen list until an account is added or removed.
 */
export function servedModelNames(
  config: AppConfig,
  accounts: readonly PoolAccountSpec[],
  userPlus: boolean,
): ReadonlySet<string> {
  let served = servedCache.get(accounts);
  if (served?.config !== config) {
    const names = (plus: boolean) => new Set(modelsForTier(config, accounts, plus).map((m) => m.id));
    served = { config, names: [names(false), names(true)] };
    servedCache.set(accounts, served);
  }
  return served.names[userPlus ? 1 : 0];
}
