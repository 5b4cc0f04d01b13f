/**
 * User administration. The original's verbs (`/admin/add-user`, GET or POST, `?admin=KEY`) are
 * kept for old scripts; `/api/admin/users…` is the JSON-first form of the same operations.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppDeps } from '../../deps.js';
import { credentialFrom, flag, parseInput, requestParams, text } from '../../input.js';
import { allowedModels, keyExpiry, requestLimit } from '../../../users/input-schemas.js';
import type { Principal } from '../../../users/principal.js';
import type { UserService } from '../../../users/service.js';

const userId = z.string().trim().min(1).max(128);

const limitsSchema = z
  .object({
    requests_per_minute: requestLimit.optional(),
    requests_per_day: requestLimit.optional(),
    models: allowedModels.optional(),
  })
  .strict();

const addUserSchema = z.object({
  userid: z.preprocess((v) => (Array.isArray(v) ? v[0] : v), userId),
  username: text.pipe(z.string().trim().min(1).max(128)).optional(),
  plus: flag.default(false),
  is_admin: flag.optional(),
  is_client: flag.optional(),
  limits: limitsSchema.optional(),
  key_expires_at: keyExpiry.optional(),
});

const userRefSchema = z
  .object({ user_id: text.pipe(userId).optional(), userid: text.pipe(userId).optional() })
  .refine((v) => v.user_id ?? v.userid, { message: 'user_id is required', path: ['user_id'] })
  .transform((v) => (v.user_id ?? v.userid) as string);

const updateUserSchema = z.object({
  username: text.pipe(z.string().trim().min(1).max(128)).optional(),
  plus: flag.optional(),
  is_admin: flag.optional(),
  is_client: flag.optional(),
  disabled: flag.optional(),
  limits: limitsSchema.optional(),
  key_expires_at: keyExpiry.optional(),
});

const rotateKeySchema = z.object({ key_expires_at: keyExpiry.optional() });

/**
 * The original's add-user call (JSON answer). Exported because `GET /admin/add-user` lives with
 * the pages: without `userid` a browser gets the add-user form, scripts still get this.
 */
export function createAddUserHandler(users: UserService) {
  return async (request: FastifyRequest) => {
    const principal = await users.requireAdmin(credentialFrom(request, 'admin'));
    const input = parseInput(addUserSchema, requestParams(request));
    const { user, apiKey } = await users.addUser(
      {
        userId: input.userid,
        username: input.username ?? input.userid,
        plus: input.plus,
        admin: input.is_admin,
        client: input.is_client,
        limits: input.limits,
        keyExpiresAt: input.key_expires_at,
      },
      principal.userId,
    );
    request.log.info({ user_id: user.user_id, by: principal.userId }, 'user added');
    return { status: 'success', message: 'User added', api_key: apiKey, user };
  };
}

export function adminUserRoutes({ users }: AppDeps) {
  return async function routes(app: FastifyInstance): Promise<void> {
    const requireAdmin = (request: FastifyRequest): Promise<Principal> =>
      users.requireAdmin(credentialFrom(request, 'admin'));

    const addUser = createAddUserHandler(users);
    app.route({
      method: ['GET', 'POST'],
      url: '/api/admin/add-user',
      config: { errorFormat: 'json' },
      handler: addUser,
    });
    // GET /admin/add-user is registered by the pages (src/http/routes/pages/admin-users.ts).
    app.post('/admin/add-user', { config: { errorFormat: 'json' } }, addUser);
    app.post('/api/admin/users', addUser);

    app.get('/api/admin/users', async (request) => {
      await requireAdmin(request);
      return { status: 'success', users: await users.listUsers() };
    });

    app.get<{ Params: { id: string } }>('/api/admin/users/:id', async (request) => {
      await requireAdmin(request);
      const [found] = (await users.listUsers()).filter((u) => u.user_id === request.params.id);
      if (!found) await users.getUser(request.params.id); // throws the 404
      return { status: 'success', user: found };
    });

    const removeUser = async (id: string, request: FastifyRequest) => {
      const principal = await requireAdmin(request);
      await users.removeUser(id);
      request.log.info({ user_id: id, by: principal.userId }, 'user removed');
      return { status: 'success', message: 'User removed' };
    };
    app.route({
      method: ['GET', 'POST'],
      url: '/api/admin/remove-user',
      handler: async (request) => {
        await requireAdmin(request);
        return removeUser(parseInput(userRefSchema, requestParams(request)), request);
      },
    });
    app.delete<{ Params: { id: string } }>('/api/admin/users/:id', (request) =>
      removeUser(request.params.id, request),
    );

    const rotate = async (id: string, request: FastifyRequest) => {
      const principal = await requireAdmin(request);
      const input = parseInput(rotateKeySchema, requestParams(request));
      const { user, apiKey } = await users.rotateKey(id, { keyExpiresAt: input.key_expires_at });
      request.log.info({ user_id: id, by: principal.userId }, 'user key rotated');
      return { status: 'success', message: 'Key rotated', api_key: apiKey, user };
    };
    app.route({
      method: ['GET', 'POST'],
      url: '/api/admin/rotate-key',
      handler: async (request) => {
        await requireAdmin(request);
        return rotate(parseInput(userRefSchema, requestParams(request)), request);
      },
    });
    app.post<{ Params: { id: string } }>('/api/admin/users/:id/rotate-key', (request) =>
      rotate(request.params.id, request),
    );

    const update = async (id: string, request: FastifyRequest) => {
      const principal = await requireAdmin(request);
      const input = parseInput(updateUserSchema, requestParams(request));
      const { is_admin, is_client, key_expires_at, ...rest } = input;
      const changes = { ...rest, admin: is_admin, client: is_client, keyExpiresAt: key_expires_at };
      const user = await users.updateUser(id, changes);
      request.log.info({ user_id: id, by: principal.userId, fields: Object.keys(changes) }, 'user updated');
      return { status: 'success', user };
    };
    app.patch<{ Params: { id: string } }>('/api/admin/users/:id', (request) =>
      update(request.params.id, request),
    );
    app.route({
      method: ['GET', 'POST'],
      url: '/api/admin/update-user',
      handler: async (request) => {
        await requireAdmin(request);
        return update(parseInput(userRefSchema, requestParams(request)), request);
      },
    });
    for (const [url, disabled] of [
      ['/api/admin/disable-user', true],
      ['/api/admin/enable-user', false],
    ] as const) {
      app.route({
        method: ['GET', 'POST'],
        url,
        handler: async (request) => {
          const principal = await requireAdmin(request);
          const id = parseInput(userRefSchema, requestParams(request));
          const user = await users.updateUser(id, { disabled });
          request.log.info({ user_id: id, by: principal.userId, disabled }, 'user enabled/disabled');
          return { status: 'success', user };
        },
      });
    }
  };
}
