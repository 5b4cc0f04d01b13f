/**
 * Clients (sub-tenants, the original's HEAD): a user with the client permission creates plain
 * users of its own and lists them. An admin may use the same routes with its own rights.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { forbidden, unauthorized } from '../../../errors.js';
import type { Principal } from '../../../users/principal.js';
import type { AppDeps } from '../../deps.js';
import { credentialFrom, flag, parseInput, requestParams, text } from '../../input.js';

const addUserParams = z.object({
  userid: text.pipe(z.string().trim().min(1).max(128)),
  username: text.pipe(z.string().trim().min(1).max(128)).optional(),
  plus: flag.default(false),
  is_client: flag.default(false),
  is_admin: flag.default(false),
});

type AddUserParams = z.infer<typeof addUserParams>;

/** What a client may not hand out: other clients, admins, or a plus it lacks itself. */
function checkClientGrant(actor: Principal, params: AddUserParams): void {
  if (actor.admin) return;
  if (params.is_client) throw forbidden('A client cannot create clients', 'client_cannot_create_clients');
  if (params.is_admin) throw forbidden('A client cannot create admins', 'client_cannot_create_admins');
  if (params.plus && !actor.plus)
    throw forbidden('A client cannot grant plus access it does not have', 'client_cannot_grant_plus');
}

export function clientRoutes({ users }: AppDeps) {
  /** The `admin` key, or a `client` key (a Bearer token is taken for either). */
  async function clientOrAdmin(request: FastifyRequest): Promise<Principal> {
    const params = requestParams(request);
    if (params.admin !== undefined) return users.requireAdmin(credentialFrom(request, 'admin'));
    const key = credentialFrom(request, 'client');
    if (!key) throw unauthorized('No client specified');
    const principal = await users.authenticate(key);
    if (!principal) throw unauthorized('Invalid client specified');
    if (!principal.client && !principal.admin)
      throw forbidden('This key is not a client key', 'not_a_client');
    return principal;
  }

  return async function routes(app: FastifyInstance): Promise<void> {
    app.route({
      method: ['GET', 'POST'],
      url: '/api/client/add-user',
      handler: async (request) => {
        const actor = await clientOrAdmin(request);
        const params = parseInput(addUserParams, requestParams(request));
        checkClientGrant(actor, params);
        const { user, apiKey } = await users.addUser(
          {
            userId: params.userid,
            username: params.username ?? params.userid,
            plus: params.plus,
            client: params.is_client,
            admin: params.is_admin,
          },
          actor.userId,
        );
        request.log.info({ user_id: user.user_id, by: actor.userId, admin: actor.admin }, 'user added');
        return { status: 'success', message: 'User added', api_key: apiKey, user };
      },
    });

    app.get('/api/client/users', async (request) => {
      const actor = await clientOrAdmin(request);
      const list = await users.listUsers(actor.admin ? {} : { createdBy: actor.userId });
      return { status: 'success', users: list };
    });
  };
}
