/**
 * Who is calling: a user key (the original's `user` parameter or a Bearer token), or a client
 * acting for one of its users (`client` key + `user_id`, the user created on first use).
 * Unknown and wrong keys get the same answer.
 */
import type { FastifyRequest } from 'fastify';
import { AppError, forbidden, unauthorized } from '../errors.js';
import type { UserService } from '../users/service.js';
import type { Principal } from '../users/principal.js';
import { credentialFrom, requestParams } from './input.js';
import { enforceUserRate } from './rate-limit.js';

const firstString = (value: unknown): string | undefined => {
  const v = Array.isArray(value) ? value[0] : value;
  return typeof v === 'string' && v !== '' ? v : undefined;
};

export async function authenticateUser(request: FastifyRequest, users: UserService): Promise<Principal> {
  const principal = await identifyUser(request, users);
  const limited = enforceUserRate(request, principal);
  if (limited) await limited;
  return principal;
}

async function identifyUser(request: FastifyRequest, users: UserService): Promise<Principal> {
  const params = requestParams(request);
  const clientKey = firstString(params.client);
  if (clientKey) return actingForUser(users, clientKey, params);
  const key = credentialFrom(request, 'user');
  if (!key) throw new AppError(401, 'no_user', 'No user specified');
  const principal = await users.authenticate(key);
  if (!principal) throw unauthorized('Invalid user specified');
  return principal;
}

async function actingForUser(
  users: UserService,
  clientKey: string,
  params: Record<string, unknown>,
): Promise<Principal> {
  const client = await users.authenticate(clientKey);
  if (!client) throw unauthorized('Invalid client specified');
  const userId = firstString(params.user_id) ?? firstString(params.userid);
  if (!userId) {
    if (!client.client && !client.admin) throw notAClient();
    return client; // the client acting as itself
  }
  return actFor(users, client, { userId, username: firstString(params.username), field: 'user_id' });
}

const MAX_USER_ID_LENGTH = 128;
const notAClient = () => forbidden('This key is not a client key', 'not_a_client');

/**
 * A client (or admin) key acting for one of its users, on `/api` (`client` + `user_id`) and on
 * `/v1` (`X-User-Id`): any other key is refused, and `field` names where the id came from.
 */
export async function actFor(
  users: UserService,
  actor: Principal,
  target: { userId: string; username?: string; field: string },
): Promise<Principal> {
  if (!actor.client && !actor.admin) throw notAClient();
  if (target.userId.length > MAX_USER_ID_LENGTH)
    throw new AppError(400, 'invalid_request', `Invalid value for '${target.field}'`, {
      field: target.field,
    });
  return users.actAs(actor, target.userId, target.username);
}
