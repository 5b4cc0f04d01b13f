/**
 * /v1 callers authenticate like OpenAI's: `Authorization: Bearer <user key>`. A missing or
 * wrong key gets OpenAI's 401 codes, which the SDKs turn into AuthenticationError. A key over
 * its `requests_per_minute` gets 429, as on every other route.
 */
import type { FastifyRequest } from 'fastify';
import { AppError } from '../../../errors.js';
import type { Principal } from '../../../users/principal.js';
import type { UserService } from '../../../users/service.js';
import { bearerToken } from '../../input.js';
import { enforceUserRate } from '../../rate-limit.js';

export async function openAiPrincipal(request: FastifyRequest, users: UserService): Promise<Principal> {
  const key = bearerToken(request);
  if (!key)
    throw new AppError(
      401,
      'missing_api_key',
      "You didn't provide an API key. Send it as 'Authorization: Bearer <key>'.",
    );
  const principal = await users.authenticate(key);
  if (!principal) throw new AppError(401, 'invalid_api_key', 'Incorrect API key provided');
  await enforceUserRate(request, principal);
  return principal;
}
