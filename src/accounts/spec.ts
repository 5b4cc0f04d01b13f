import type { AccountConfig, ModelRoute } from '../config/types.js';
import { poolSpecFromConfig, type PoolAccountSpec } from '../pool/index.js';

/**
 * The pool's view of an account. A ChatGPT-web account lists no models of its own, so it gets
 * the configured routes it may serve: all ChatGPT routes for a plus account, only the free ones
 * for a free account — a premium model then never lands on a free account.
 */
export function toPoolSpec(account: AccountConfig, routes: readonly ModelRoute[]): PoolAccountSpec {
  const spec = poolSpecFromConfig(account);
  if (account.kind !== 'chatgpt' || account.models) return spec;
  const models = routes
    .filter((r) => r.kinds.includes('chatgpt') && (account.plus || !r.plus))
    .map((r) => r.name);
  return { ...spec, models };
}
