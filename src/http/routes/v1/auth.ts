/**
 * /v1 callers authenticate like OpenAI's: `Authorization: Bearer <user key>`. A missing or
 * wrong key gets OpenAI's 401 codes, which the SDKs turn into AuthenticationError. A client key
 * (or the admin's) acts for one of its users with `X-User-Id`, as `client` + `user_id` do on
 * `/api/chat`: the user is created on first use, and that user's limits and history apply. A
 * key over its `requests_per_minute` gets 429, as on every other route.
 */
import type { FastifyRequest } from 'fastify';
import { AppError, forbidden } from '../../../errors.js';
import type { Principal } from '../../../users/principal.js';
import type { UserService } from '../../../users/service.js';
import { bearerToken } from '../../input.js';
import { enforceUserRate } from '../../rate-limit.js';

const ACT_FOR_HEADER = 'x-user-id';
const MAX_USER_ID_LENGTH = 128;

export async function openAiPrincipal(request: FastifyRequest, users: UserService): Promise<Principal> {
  const key = bearerToken(request);
  if (!key)
    throw new AppError(
      401,
      'missing_api_key',
      "You didn't provide an API key. Send it as 'Authorization: Bearer <key>'.",
    );
  const caller = await users.authenticate(key);
  if (!caller) throw new AppError(401, 'invalid_api_key', 'Incorrect API key provided');
  const principal = await actingFor(request, users, caller);
  await enforceUserRate(request, principal);
  return principal;
}

async function actingFor(request: FastifyRequest, users: UserService, caller: Principal): Promise<Principal> {
  const header = request.headers[ACT_FOR_HEADER];
  const userId = (Array.isArray(header) ? header[0] : header)?.trim();
  if (!userId) return caller;
  if (!caller.client && !caller.admin)
    throw forbidden('Only a client key may act for a user (X-User-Id)', 'not_a_client');
  if (userId.length > MAX_USER_ID_LENGTH)
    throw new AppError(400, 'invalid_request', "Invalid value for 'X-User-Id'", { field: 'X-User-Id' });
  return users.actAs(caller, userId);
}
