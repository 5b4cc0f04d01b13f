/**
 * /v1 callers authenticate like OpenAI's: `Authorization: Bearer <user key>`. A missing or
 * wrong key gets OpenAI's 401 codes, which the SDKs turn into AuthenticationError. A client key
 * (or the admin's) acts for one of its users with `X-User-Id`, as `client` + `user_id` do on
 * `/api/chat` (see actFor): a client's unknown user is created on first use, and that user's
 * limits and history apply. A key over its `requests_per_minute` gets 429, as on every other
 * route.
 */
import type { FastifyRequest } from 'fastify';
import { AppError } from '../../../errors.js';
import type { Principal } from '../../../users/principal.js';
import type { UserService } from '../../../users/service.js';
import { actFor } from '../../auth.js';
import { bearerToken } from '../../input.js';
import { enforceUserRate } from '../../rate-limit.js';

const ACT_FOR_HEADER = 'x-user-id';

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
  // Only a request that names a user pays for the lookup (no extra await on the hot path).
  const userId = actedForId(request);
  const principal = userId ? await actFor(users, caller, { userId, field: 'X-User-Id' }) : caller;
  const limited = enforceUserRate(request, principal);
  if (limited) await limited;
  return principal;
}

function actedForId(request: FastifyRequest): string | undefined {
  const header = request.headers[ACT_FOR_HEADER];
  return (Array.isArray(header) ? header[0] : header)?.trim() || undefined;
}
