/**
 * GET /v1/models and /v1/models/{id}: the public model names this user may ask for, i.e. the
 * configured routes their plus permission (and list of allowed models) allows and some account
 * serves.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { chooseModel, modelsFor, servedModelNames } from '../../../chat/models.js';
import type { AppConfig } from '../../../config/types.js';
import { notFound } from '../../../errors.js';
import type { PoolAccountSpec } from '../../../pool/types.js';
import type { Principal } from '../../../users/principal.js';
import type { AppDeps } from '../../deps.js';
import { openAiPrincipal } from './auth.js';
import { modelObject, unixSeconds } from './openai-shapes.js';

const modelNotFound = (name: string) =>
  notFound(`The model '${name}' does not exist or you do not have access to it.`, 'model_not_found');

/**
 * Checks a requested model before any conversation is stored: a model outside the user's list,
 * or a premium model for a non-plus user → 403, a name no account serves → 404 `model_not_found`.
 */
export function requireServedModel(input: {
  config: AppConfig;
  accounts: readonly PoolAccountSpec[];
  model: string;
  principal: Principal;
}): void {
  const { config, accounts, model, principal } = input;
  const tier = principal.plus ? 'any' : 'free';
  chooseModel({ config, accounts, requested: model, tier, access: principal });
  if (!servedModelNames(config, accounts, principal.plus).has(model)) throw modelNotFound(model);
}

export function modelRoutes({ config, users, runtime }: AppDeps) {
  // Routes have no creation date; the server's start is a stable, honest stand-in.
  const created = unixSeconds(Date.now());
  const list = (principal: Principal) =>
    modelsFor(config, runtime.pool.accounts(), principal).map((m) =>
      modelObject(m.id, created, m.kinds.join('+')),
    );
  return async function routes(app: FastifyInstance): Promise<void> {
    app.get('/v1/models', async (request) => {
      const principal = await openAiPrincipal(request, users);
      return { object: 'list', data: list(principal) };
    });
    // A wildcard, because model names may contain slashes (e.g. "meta/llama-3").
    app.get('/v1/models/*', async (request: FastifyRequest<{ Params: { '*': string } }>) => {
      const principal = await openAiPrincipal(request, users);
      const id = request.params['*'];
      const found = list(principal).find((m) => m.id === id);
      if (!found) throw modelNotFound(id);
      return found;
    });
  };
}
