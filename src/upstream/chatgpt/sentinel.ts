/**
 * Sentinel chat-requirements (protocol §1.1 step 1-2), single-step or prepare/finalize, plus the
 * proof of work. A turnstile or arkose demand cannot be met here: it is reported as a challenge.
 */
import { UpstreamError } from '../types.js';
import type { ProviderAccount } from '../types.js';
import { toUpstreamError } from './errors.js';
import { DEFAULT_USER_AGENT, sendForJson } from './http.js';
import { isJsonObject } from './json-patch.js';
import type { JsonObject } from './json-patch.js';
import { buildPowConfig, requirementsToken, solvePowYielding } from './pow.js';
import type { PowVariant } from './pow.js';

export type SentinelMode = 'single' | 'two-step';

export interface SentinelTokens {
  requirementsToken: string;
  proofToken?: string;
}

export interface SentinelInput {
  account: ProviderAccount;
  signal: AbortSignal;
  mode: SentinelMode;
  powVariant: PowVariant;
}

function fail(
  account: ProviderAccount,
  kind: 'auth_invalid' | 'upstream_challenge' | 'bad_response',
  text: string,
) {
  return toUpstreamError(new UpstreamError(kind, text, { upstreamCode: `sentinel_${kind}` }), { account });
}

function rejectUnmeetable(account: ProviderAccount, answer: JsonObject): void {
  if (answer.force_login === true)
    throw fail(account, 'auth_invalid', 'sentinel demands a new login (force_login)');
  if (isJsonObject(answer.arkose) && answer.arkose.required === true) {
    throw fail(
      account,
      'upstream_challenge',
      'sentinel requires an arkose challenge, which cannot be solved here',
    );
  }
  if (isJsonObject(answer.turnstile) && answer.turnstile.required === true) {
    throw fail(
      account,
      'upstream_challenge',
      'sentinel requires a turnstile challenge, which cannot be solved here',
    );
  }
}

interface ProofInput {
  answer: JsonObject;
  config: unknown[];
  variant: PowVariant;
  signal: AbortSignal;
}

async function proofFor({ answer, config, variant, signal }: ProofInput): Promise<string | undefined> {
  const pow = answer.proofofwork;
  if (!isJsonObject(pow) || pow.required !== true) return undefined;
  const seed = typeof pow.seed === 'string' ? pow.seed : '';
  const difficulty = typeof pow.difficulty === 'string' ? pow.difficulty : '';
  return (await solvePowYielding({ seed, difficulty, config, variant, signal })).token;
}

async function postSentinel(input: SentinelInput, path: string, body: unknown): Promise<JsonObject> {
  const answer = await sendForJson({
    account: input.account,
    method: 'POST',
    path,
    body,
    signal: input.signal,
  });
  if (!isJsonObject(answer)) throw fail(input.account, 'bad_response', `${path} answered no object`);
  return answer;
}

export async function obtainSentinelTokens(input: SentinelInput): Promise<SentinelTokens> {
  const { account, powVariant } = input;
  const config = buildPowConfig({ userAgent: account.userAgent ?? DEFAULT_USER_AGENT });
  const p = requirementsToken(config, powVariant);

  if (input.mode === 'single') {
    const answer = await postSentinel(input, '/sentinel/chat-requirements', { p });
    rejectUnmeetable(account, answer);
    if (typeof answer.token !== 'string')
      throw fail(account, 'bad_response', 'chat-requirements gave no token');
    const proofToken = await proofFor({ answer, config, variant: powVariant, signal: input.signal });
    return { requirementsToken: answer.token, proofToken };
  }

  const prepared = await postSentinel(input, '/sentinel/chat-requirements/prepare', { p });
  rejectUnmeetable(account, prepared);
  if (typeof prepared.prepare_token !== 'string') {
    throw fail(account, 'bad_response', 'chat-requirements/prepare gave no prepare_token');
  }
  const proofToken = await proofFor({ answer: prepared, config, variant: powVariant, signal: input.signal });
  const finalizeBody: JsonObject = { prepare_token: prepared.prepare_token };
  if (proofToken !== undefined) finalizeBody.proofofwork = proofToken;
  const finalized = await postSentinel(input, '/sentinel/chat-requirements/finalize', finalizeBody);
  rejectUnmeetable(account, finalized);
  if (typeof finalized.token !== 'string')
    throw fail(account, 'bad_response', 'chat-requirements/finalize gave no token');
  return { requirementsToken: finalized.token, proofToken };
}
